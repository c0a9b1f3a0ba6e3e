import { Id, err, ok, type ArtifactKind, type Result } from '@recsys/shared'
import { and, desc, eq, like, type SQL } from 'drizzle-orm'
import { writeAudit, type Actor } from '../audit/write'
import type { Database } from '../db/client'
import { artifacts, artifactVersions, tenants } from '../db/schema/index'
import { canonical } from '../publish/publish'
import { sha256Hex, type BlobStore } from './blob-store'
import type { GateFailure } from './gate-failure'
import { parseArtifact } from './parse'

export interface RegistryDeps {
  db: Database
  blobs: BlobStore
}

export type ArtifactVersionRow = typeof artifactVersions.$inferSelect
export type ArtifactRow = typeof artifacts.$inferSelect

/** A version with its artifact's kind and name. */
export interface VersionInfo extends ArtifactVersionRow {
  tenant_id: string
  kind: ArtifactKind
  name: string
}

export type RegistryError =
  | { code: 'BAD_REQUEST'; message: string; gate?: GateFailure }
  | { code: 'NOT_FOUND'; message: string }

export interface RegisterInput {
  tenant: string
  kind: ArtifactKind
  name: string
  bytes: Uint8Array
  metadata?: Record<string, unknown>
  actor: Actor
  reason?: string
  request_id?: string
}

/** Label used in gate failures and logs: `<kind>/<name>@<sha prefix>`. */
export const versionLabel = (kind: string, name: string, sha256: string) =>
  `${kind}/${name}@${sha256.slice(0, 12)}`

/**
 * Registers artifact bytes: the schema gate runs first, then the bytes go to the blob store by content and a
 * version row is written with its audit row. Same bytes (and metadata) → the same version (`created: false`).
 * @note Metadata is part of the content for binary kinds (a model's feature schema), so it is hashed with the bytes.
 */
export async function registerArtifact(
  deps: RegistryDeps,
  input: RegisterInput,
): Promise<Result<{ version: VersionInfo; created: boolean }, RegistryError>> {
  const { db, blobs } = deps
  for (const [what, v] of [
    ['tenant id', input.tenant],
    ['artifact name', input.name],
  ] as const) {
    const r = Id.safeParse(v)
    if (!r.success) return err({ code: 'BAD_REQUEST', message: `bad ${what} "${v}"` })
  }
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, input.tenant))
  if (!tenant) return err({ code: 'NOT_FOUND', message: `tenant ${input.tenant} does not exist` })
  const metadata = input.metadata ?? {}
  // The schema gate first: bytes it refuses are never stored.
  const label = versionLabel(input.kind, input.name, sha256Hex(input.bytes))
  const parsed = parseArtifact(label, input.kind, input.bytes, metadata)
  if (!parsed.ok)
    return err({
      code: 'BAD_REQUEST',
      message: `${label} failed the schema gate: ${parsed.error.message}`,
      gate: parsed.error,
    })
  const blob = await blobs.put(input.bytes)

  return db.transaction(async (tx) => {
    await tx
      .insert(artifacts)
      .values({ tenant_id: input.tenant, kind: input.kind, name: input.name })
      .onConflictDoNothing()
    const [artifact] = await tx
      .select()
      .from(artifacts)
      .where(
        and(
          eq(artifacts.tenant_id, input.tenant),
          eq(artifacts.kind, input.kind),
          eq(artifacts.name, input.name),
        ),
      )
    const a = artifact!
    const version = contentVersion(blob.sha256, metadata)
    const [existing] = await tx
      .select()
      .from(artifactVersions)
      .where(and(eq(artifactVersions.artifact_id, a.id), eq(artifactVersions.sha256, version)))
    if (existing)
      return ok({
        version: { ...existing, tenant_id: a.tenant_id, kind: a.kind, name: a.name },
        created: false,
      })
    const [row] = await tx
      .insert(artifactVersions)
      .values({
        artifact_id: a.id,
        sha256: version,
        size_bytes: blob.size,
        storage_key: blob.key,
        metadata: { ...metadata, bytes_sha256: blob.sha256 },
        created_by: input.actor.id,
      })
      .returning()
    await writeAudit(tx, {
      actor: input.actor,
      action: 'artifact.register',
      tenant_id: input.tenant,
      target: versionLabel(a.kind, a.name, version),
      reason: input.reason ?? 'register',
      after: { id: row!.id, sha256: version, size_bytes: blob.size },
      request_id: input.request_id,
    })
    return ok({
      version: { ...row!, tenant_id: a.tenant_id, kind: a.kind, name: a.name },
      created: true,
    })
  })
}

/** The version id: the bytes' SHA-256 when there is no metadata, else SHA-256 over both (canonical JSON). */
function contentVersion(bytesSha: string, metadata: Record<string, unknown>): string {
  if (Object.keys(metadata).length === 0) return bytesSha
  return sha256Hex(`${bytesSha}\n${canonical(metadata)}`)
}

/** Versions of a tenant's artifacts, newest first, optionally of one kind or name. */
export async function listVersions(
  db: Database,
  q: { tenant: string; kind?: ArtifactKind; name?: string; limit?: number; where?: SQL },
): Promise<VersionInfo[]> {
  const conds = [eq(artifacts.tenant_id, q.tenant)]
  if (q.kind) conds.push(eq(artifacts.kind, q.kind))
  if (q.name) conds.push(eq(artifacts.name, q.name))
  if (q.where) conds.push(q.where)
  const rows = await db
    .select({ v: artifactVersions, a: artifacts })
    .from(artifactVersions)
    .innerJoin(artifacts, eq(artifacts.id, artifactVersions.artifact_id))
    .where(and(...conds))
    .orderBy(desc(artifactVersions.id))
    .limit(q.limit ?? 1000)
  return rows.map(({ v, a }) => ({ ...v, tenant_id: a.tenant_id, kind: a.kind, name: a.name }))
}

/** One version by id or by SHA-256 (a unique prefix of at least 8 characters is enough). */
export async function findVersion(
  db: Database,
  tenant: string,
  ref: string,
): Promise<VersionInfo | undefined> {
  if (/^\d+$/.test(ref))
    return (await listVersions(db, { tenant, where: eq(artifactVersions.id, Number(ref)) }))[0]
  if (!/^[0-9a-f]{8,64}$/.test(ref)) return undefined
  const hits = await listVersions(db, {
    tenant,
    where: like(artifactVersions.sha256, `${ref}%`),
    limit: 2,
  })
  return hits.length === 1 ? hits[0] : undefined
}
