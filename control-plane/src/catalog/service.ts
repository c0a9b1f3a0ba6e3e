import { CountryCode, Id, err, jsonDepthAtMost, ok, type Result } from '@recsys/shared'
import { asc, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { FREE_TEXT_MAX } from '../audit/free-text'
import { writeAudit, type Actor } from '../audit/write'
import type { Database } from '../db/client'
import { catalogItems } from '../db/schema/index'
import { tenantExists } from '../tenants/exists'

/** How deep and how large one item's `attributes` may be (kept as jsonb; stringified on the way in). */
export const ATTRIBUTES_MAX_DEPTH = 16
export const ATTRIBUTES_MAX_CHARS = 16 * 1024

/**
 * Free-form attributes, bounded: the depth is measured first (iteratively), since stringifying a value nested
 * thousands deep, as the insert does, exhausts the stack; then the size.
 */
const Attributes = z.record(z.string(), z.unknown()).superRefine((a, ctx) => {
  if (!jsonDepthAtMost(a, ATTRIBUTES_MAX_DEPTH))
    ctx.addIssue({ code: 'custom', message: `nests deeper than ${ATTRIBUTES_MAX_DEPTH} levels` })
  else if (JSON.stringify(a).length > ATTRIBUTES_MAX_CHARS)
    ctx.addIssue({ code: 'custom', message: `is over ${ATTRIBUTES_MAX_CHARS} characters as JSON` })
})

/** One catalog item as operators import it. */
export const CatalogItemInput = z.object({
  item_id: Id,
  title: z.string().max(FREE_TEXT_MAX).optional(),
  categories: z.array(z.string().max(128)).max(64).default([]),
  available: z.boolean().default(true),
  /** ISO 3166-1 alpha-2 codes, stored upper-cased: a code the edge could never match is refused here. */
  regions_allowed: z.array(CountryCode).optional(),
  regions_blocked: z.array(CountryCode).optional(),
  min_age: z.number().int().min(0).default(0),
  /** ISO date-time or ms since epoch. */
  published_at: z.union([z.string(), z.number()]).optional(),
  sponsored: z.boolean().default(false),
  safe: z.boolean().default(false),
  attributes: Attributes.default({}),
})
export type CatalogItemInput = z.input<typeof CatalogItemInput>

const BATCH = 1_000

/**
 * Upserts catalog items (batched, one transaction, one audit row with the counts). Every item is validated first:
 * one bad item refuses the whole import and names the offending items, so nothing is half-imported.
 */
export async function importCatalog(
  db: Database,
  input: { tenant: string; items: unknown[]; actor: Actor; reason: string; request_id?: string },
  progress?: (done: number, total: number) => void,
): Promise<
  Result<
    { tenant: string; upserted: number; total: number },
    { code: 'BAD_REQUEST' | 'NOT_FOUND'; message: string; offending?: string[] }
  >
> {
  const known = await tenantExists(db, input.tenant)
  if (!known.ok) return known
  const rows: Array<typeof catalogItems.$inferInsert> = []
  const bad: string[] = []
  input.items.forEach((raw, i) => {
    const r = CatalogItemInput.safeParse(raw)
    if (!r.success) {
      bad.push(
        `item ${i}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
      )
      return
    }
    const it = r.data
    const published = it.published_at === undefined ? undefined : new Date(it.published_at)
    if (published && Number.isNaN(published.getTime())) {
      bad.push(`item ${i}: published_at is not a date`)
      return
    }
    rows.push({
      tenant_id: input.tenant,
      item_id: it.item_id,
      title: it.title ?? null,
      categories: it.categories,
      available: it.available,
      regions_allowed: it.regions_allowed ?? null,
      regions_blocked: it.regions_blocked ?? null,
      min_age: it.min_age,
      published_at: published ?? null,
      sponsored: it.sponsored,
      safe: it.safe,
      attributes: it.attributes,
      updated_at: new Date(),
    })
  })
  if (bad.length)
    return err({
      code: 'BAD_REQUEST',
      message: `${bad.length} of ${input.items.length} items are invalid; nothing was imported`,
      offending: bad.slice(0, 20),
    })
  const before = await countItems(db, input.tenant)
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH)
      await tx
        .insert(catalogItems)
        .values(chunk)
        .onConflictDoUpdate({
          target: [catalogItems.tenant_id, catalogItems.item_id],
          set: Object.fromEntries(
            [
              'title',
              'categories',
              'available',
              'regions_allowed',
              'regions_blocked',
              'min_age',
              'published_at',
              'sponsored',
              'safe',
              'attributes',
              'updated_at',
            ].map((c) => [c, sql.raw(`excluded.${c}`)]),
          ),
        })
      progress?.(Math.min(i + BATCH, rows.length), rows.length)
    }
    const after = await countItems(tx, input.tenant)
    await writeAudit(tx, {
      actor: input.actor,
      action: 'catalog.import',
      tenant_id: input.tenant,
      target: input.tenant,
      reason: input.reason,
      before: { items: before },
      after: { items: after, upserted: rows.length },
      request_id: input.request_id,
    })
  })
  return ok({
    tenant: input.tenant,
    upserted: rows.length,
    total: await countItems(db, input.tenant),
  })
}

export async function countItems(db: Pick<Database, 'select'>, tenant: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(catalogItems)
    .where(eq(catalogItems.tenant_id, tenant))
  return Number(r?.n ?? 0)
}

export async function listCatalog(db: Database, tenant: string, limit = 100, offset = 0) {
  return db
    .select()
    .from(catalogItems)
    .where(eq(catalogItems.tenant_id, tenant))
    .orderBy(asc(catalogItems.item_id))
    .limit(limit)
    .offset(offset)
}
