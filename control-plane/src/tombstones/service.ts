import { err, Id, ok, redisKeys, type ErrorCode, type Result } from '@recsys/shared'
import type { Redis } from '@upstash/redis'
import { and, asc, count, eq, inArray, isNull } from 'drizzle-orm'
import { checkReason } from '../audit/free-text'
import { writeAudit, type Actor, type Tx } from '../audit/write'
import type { Database } from '../db/client'
import { tenants, tombstones } from '../db/schema/index'

/** What the tombstone service needs; `redis` is an `@upstash/redis` client. */
export interface TombstoneDeps {
  db: Database
  redis: Redis
}

/** One row of `tombstones`. */
export type TombstoneRow = typeof tombstones.$inferSelect

export interface TombstoneError {
  code: Extract<ErrorCode, 'BAD_REQUEST' | 'NOT_FOUND' | 'UNAVAILABLE'>
  message: string
}

export interface TombstoneInput {
  tenant: string
  item_id: string
  reason: string
  actor: Actor
  request_id?: string
}

/**
 * The outcome of a tombstone. `created: false` means the item was already tombstoned: the first row (and its
 * reason) is kept and no audit row is written, but the SADD is repeated, so calling again after a `pending`
 * push is the retry. `redis: 'pending'` means the DB row stands and the SADD failed.
 */
export interface TombstoneResult {
  tombstone: TombstoneRow
  created: boolean
  redis: 'pushed' | 'pending'
  redis_error?: string
}

const badId = (what: string, id: string): string | undefined => {
  const r = Id.safeParse(id)
  return r.success
    ? undefined
    : `bad ${what} "${id}": ${r.error.issues[0]?.message ?? 'invalid id'}`
}

/** Tombstones an item: DB row and audit in one transaction, then SADD to `t:<tenant>:tombstones`. */
export async function tombstoneItem(
  deps: TombstoneDeps,
  input: TombstoneInput,
): Promise<Result<TombstoneResult, TombstoneError>> {
  const bad = badId('tenant id', input.tenant) ?? badId('item id', input.item_id)
  if (bad) return err({ code: 'BAD_REQUEST', message: bad })
  const why = checkReason(input.reason)
  if (!why.ok) return err({ code: 'BAD_REQUEST', message: why.error })
  const reason = why.value
  const { tenant, item_id } = input
  const out = await deps.db.transaction(async (tx) => {
    const [known] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant))
    if (!known) return undefined
    const [inserted] = await tx
      .insert(tombstones)
      .values({ tenant_id: tenant, item_id, reason, created_by: input.actor.id })
      .onConflictDoNothing()
      .returning()
    if (inserted) {
      await writeAudit(tx, {
        actor: input.actor,
        action: 'item.tombstone',
        tenant_id: tenant,
        target: item_id,
        reason,
        before: null,
        after: { item_id, reason, folded_into: null },
        request_id: input.request_id,
      })
      return { tombstone: inserted, created: true }
    }
    const [existing] = await tx
      .select()
      .from(tombstones)
      .where(and(eq(tombstones.tenant_id, tenant), eq(tombstones.item_id, item_id)))
    return { tombstone: existing!, created: false }
  })
  if (!out) return err({ code: 'NOT_FOUND', message: `tenant "${tenant}" does not exist` })
  try {
    await deps.redis.sadd(redisKeys.tombstones(tenant), item_id)
    return ok({ ...out, redis: 'pushed' })
  } catch (e) {
    return ok({ ...out, redis: 'pending', redis_error: e instanceof Error ? e.message : String(e) })
  }
}

/** Every tombstone of a tenant, oldest first. */
export async function listTombstones(
  deps: Pick<TombstoneDeps, 'db'>,
  tenant: string,
): Promise<TombstoneRow[]> {
  return deps.db
    .select()
    .from(tombstones)
    .where(eq(tombstones.tenant_id, tenant))
    .orderBy(asc(tombstones.created_at), asc(tombstones.item_id))
}

/** Item ids not yet folded into a release's denylist, sorted: what the next publish must include. */
export async function unfoldedTombstones(
  deps: Pick<TombstoneDeps, 'db'>,
  tenant: string,
): Promise<string[]> {
  const rows = await deps.db
    .select({ item_id: tombstones.item_id })
    .from(tombstones)
    .where(and(eq(tombstones.tenant_id, tenant), isNull(tombstones.folded_into)))
    .orderBy(asc(tombstones.item_id))
  return rows.map((r) => r.item_id)
}

/**
 * Records that release `releaseId` folded these tombstones into its denylist.
 * @note Contract for publish: read {@link unfoldedTombstones}, put those ids in the release's denylist, and call
 * this in the same transaction that writes the release, with exactly those ids. Only still-unfolded rows of this
 * tenant change (a row keeps the first release that folded it); returns the ids it marked. Tombstones created
 * after the read stay unfolded for the next release. Redis is not touched: the set stays until trimmed elsewhere.
 */
export async function markFolded(
  tx: Tx,
  tenant: string,
  itemIds: readonly string[],
  releaseId: string,
): Promise<string[]> {
  if (itemIds.length === 0) return []
  const rows = await tx
    .update(tombstones)
    .set({ folded_into: releaseId })
    .where(
      and(
        eq(tombstones.tenant_id, tenant),
        inArray(tombstones.item_id, [...itemIds]),
        isNull(tombstones.folded_into),
      ),
    )
    .returning({ item_id: tombstones.item_id })
  return rows.map((r) => r.item_id).sort()
}

/** Members per SADD of the sync. */
const SYNC_BATCH = 1_000

/**
 * Pushes the tombstones Postgres knows into their tenants' Redis sets (SADD, idempotent): the reconciler of a
 * tombstone whose push was left `pending`, run with the kill-switch sync (every 10 s in the server, and
 * `POST /v1/kill-switches/sync`). Folded tombstones are pushed too: a rollback to a release from before the fold
 * serves without them in its denylist. Nothing is removed from Redis (tombstones are never lifted), so a tenant
 * whose set holds as many members as it has rows is complete: each pass costs one count query and one SCARD per
 * tenant, and only a tenant with members missing is pushed again, whole. Returns how many members were missing.
 * @note A member added to the set by hand counts as present: such a set is re-pushed only once it falls short.
 */
export async function syncTombstones(
  deps: TombstoneDeps,
): Promise<Result<{ pushed: number; tenants: number }, TombstoneError>> {
  const counts = await deps.db
    .select({ tenant_id: tombstones.tenant_id, n: count() })
    .from(tombstones)
    .groupBy(tombstones.tenant_id)
  let pushed = 0
  let repaired = 0
  try {
    if (counts.length === 0) return ok({ pushed, tenants: 0 })
    const p = deps.redis.pipeline()
    for (const c of counts) p.scard(redisKeys.tombstones(c.tenant_id))
    const cards = await p.exec<number[]>()
    for (const [k, c] of counts.entries()) {
      if ((cards[k] ?? 0) >= c.n) continue
      repaired++
      const rows = await deps.db
        .select({ item_id: tombstones.item_id })
        .from(tombstones)
        .where(eq(tombstones.tenant_id, c.tenant_id))
        .orderBy(asc(tombstones.item_id))
      for (let i = 0; i < rows.length; i += SYNC_BATCH) {
        const [first, ...rest] = rows.slice(i, i + SYNC_BATCH).map((r) => r.item_id)
        pushed += await deps.redis.sadd(redisKeys.tombstones(c.tenant_id), first!, ...rest)
      }
    }
    return ok({ pushed, tenants: repaired })
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return err({ code: 'UNAVAILABLE', message: `tombstone sync failed: ${message}` })
  }
}
