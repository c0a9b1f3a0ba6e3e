import { and, desc, eq } from 'drizzle-orm'
import { err, Id, kvKeys, ok, planRelease, type ReleaseSpec, type Result } from '@recsys/shared'
import { writeAudit, type Actor } from '../audit/write'
import type { Database } from '../db/client'
import {
  releaseArtifacts,
  releasePointerHistory,
  releasePointers,
  releases,
  tenants,
} from '../db/schema/index'
import { markFolded } from '../tombstones/service'
import type { EdgeBlobWriter } from './edge-blobs'
import type { EdgeStoreWriter } from './edge-store'
import { checkEdgeBlobs, writeEdgeBlobs, type EdgeBlob } from './release-blobs'
import { LocalScorerStore, type ScorerFileSource, type ScorerStoreWriter } from './scorer-store'

/** The steps of a publish, in order; a fault hook may fail after any of them (crash injection in tests). */
export const PUBLISH_STEPS = [
  'recorded',
  'blobs_written',
  'manifest_written',
  'pointer_flipped',
  'pointer_pushed',
] as const
export type PublishStep = (typeof PUBLISH_STEPS)[number]

export interface PublishDeps {
  db: Database
  edge: EdgeStoreWriter
  /** The edge's artifact bucket (R2): required when a release names an object there (its edge model). */
  edgeBlobs?: EdgeBlobWriter
  /** The scorer artifact store; scorer files are written beside the edge blobs when given. */
  scorer?: ScorerStoreWriter
  /** Called after each step; throwing simulates a crash there. */
  faults?: (step: PublishStep) => void | Promise<void>
  progress?: (msg: string) => void
}

export type PublishError =
  | { code: 'unknown_tenant'; message: string }
  | { code: 'invalid_release'; message: string }
  | { code: 'release_not_in_scorer_store'; message: string }
  | { code: 'release_conflict'; message: string }
  | { code: 'unknown_release'; message: string }
  | { code: 'nothing_to_roll_back'; message: string }
  | { code: 'release_not_in_edge_store'; message: string }
  | { code: 'edge_blob_missing'; message: string }
  | { code: 'edge_blob_mismatch'; message: string }

export interface Published {
  tenant: string
  release: string
  previous: string | null
  blobs: number
  ms: number
}

/**
 * Publishes a release: plan (pure) → record it → write every blob under release-versioned keys, and the objects the
 * manifest names in the artifact bucket (R2, content-addressed) → write the manifest → flip the tenant's pointer in
 * one transaction (history, audit) → push the pointer to the edge store.
 * @note Until the last step the edge follows the old pointer, so a crash anywhere leaves the old release serving;
 * every step is idempotent, so running the same publish again completes it.
 */
export async function publishRelease(
  deps: PublishDeps,
  input: {
    spec: ReleaseSpec
    actor: Actor
    reason: string
    request_id?: string
    /** Artifact versions the release is made of (recorded with it). */
    artifact_versions?: number[]
    /** Tombstones its denylist folds in (marked folded when the release is recorded). */
    folded?: string[]
    scorer_files?: ScorerFileSource[]
    /** Bytes of the artifact-bucket objects the manifest names, unless already stored there. */
    edge_blobs?: EdgeBlob[]
  },
): Promise<Result<Published, PublishError>> {
  const t0 = performance.now()
  const { db, edge } = deps
  const { spec, actor, reason } = input
  const say = deps.progress ?? (() => undefined)
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, spec.tenant))
  if (!tenant)
    return err({ code: 'unknown_tenant', message: `tenant ${spec.tenant} does not exist` })
  // The id names store keys and files (the scorer store's `<tenant>/releases/<id>.json`): never a path or a key
  // the edge and scorer would refuse.
  const idOk = Id.safeParse(spec.release)
  if (!idOk.success)
    return err({
      code: 'invalid_release',
      message: `release id ${JSON.stringify(spec.release)}: ${idOk.error.issues[0]?.message ?? 'invalid'}`,
    })

  const plan = planRelease(spec)
  const manifest = plan.manifest.value
  const given = checkEdgeBlobs(plan.r2, input.edge_blobs ?? [], deps.edgeBlobs)
  if (!given.ok) return given
  const [existing] = await db.select().from(releases).where(eq(releases.id, spec.release))
  if (existing) {
    if (existing.tenant_id !== spec.tenant || canonical(existing.manifest) !== canonical(manifest))
      return err({
        code: 'release_conflict',
        message: `release ${spec.release} exists with other content`,
      })
  } else {
    await db.transaction(async (tx) => {
      await tx.insert(releases).values({
        id: spec.release,
        tenant_id: spec.tenant,
        manifest: manifest as never,
        created_by: actor.id,
        note: reason,
      })
      const ids = [...new Set(input.artifact_versions ?? [])]
      if (ids.length)
        await tx
          .insert(releaseArtifacts)
          .values(ids.map((id) => ({ release_id: spec.release, artifact_version_id: id })))
    })
  }
  await deps.faults?.('recorded')

  say(`writing ${plan.blobs.length} documents to the edge store`)
  await edge.putJson(plan.blobs, (done, total) => say(`  ${done}/${total}`))
  const scorerFiles = input.scorer_files ?? []
  if (deps.scorer && scorerFiles.length) {
    say(`writing ${scorerFiles.length} files to the scorer artifact store`)
    await deps.scorer.putFiles(spec.tenant, scorerFiles)
  }
  if (deps.edgeBlobs) {
    const written = await writeEdgeBlobs(deps.edgeBlobs, plan.r2, given.value, say)
    if (!written.ok) return written
  }
  await deps.faults?.('blobs_written')
  await edge.putJson([plan.manifest])
  await deps.scorer?.putManifest({
    tenant: spec.tenant,
    release: spec.release,
    model_version: spec.model_version,
    denylist: [...new Set(spec.denylist)],
    surfaces: spec.config.surfaces,
    files: scorerFiles.map((f) => ({
      kind: f.kind,
      name: f.name,
      sha256: f.sha256,
      path: LocalScorerStore.blobPath(f),
      metadata: f.metadata ?? {},
    })),
  })
  await deps.faults?.('manifest_written')

  const previous = await flipPointer(db, {
    tenant: spec.tenant,
    to: spec.release,
    action: 'publish',
    actor,
    reason,
    request_id: input.request_id,
    // Tombstones count as folded once the release that folds them is live.
    folded: input.folded ?? [],
    push: async () => {
      await deps.faults?.('pointer_flipped')
      await edge.putJson([plan.pointer])
      await deps.scorer?.flip(spec.tenant, spec.release)
    },
  })
  await deps.faults?.('pointer_pushed')
  say(`tenant ${spec.tenant} now serves ${spec.release}`)
  return ok({
    tenant: spec.tenant,
    release: spec.release,
    previous,
    blobs: plan.blobs.length + 1,
    ms: Math.round(performance.now() - t0),
  })
}

/**
 * Rolls a tenant back to `to`, or to the release it served before the current one: one pointer flip (history,
 * audit) and one pointer write to the edge store. Refused when that release's manifest is not in the edge store.
 */
export async function rollbackRelease(
  deps: Pick<PublishDeps, 'db' | 'edge' | 'scorer'>,
  input: { tenant: string; to?: string; actor: Actor; reason: string; request_id?: string },
): Promise<Result<Published, PublishError>> {
  const t0 = performance.now()
  const { db, edge } = deps
  let target = input.to
  if (!target) {
    const [cur] = await db
      .select()
      .from(releasePointers)
      .where(eq(releasePointers.tenant_id, input.tenant))
    const history = await db
      .select()
      .from(releasePointerHistory)
      .where(
        and(
          eq(releasePointerHistory.tenant_id, input.tenant),
          eq(releasePointerHistory.to_release, cur?.release_id ?? ''),
        ),
      )
      .orderBy(desc(releasePointerHistory.id))
      .limit(1)
    target = history[0]?.from_release ?? undefined
    if (!target)
      return err({
        code: 'nothing_to_roll_back',
        message: `tenant ${input.tenant} has no earlier release`,
      })
  }
  const [rel] = await db.select().from(releases).where(eq(releases.id, target))
  if (!rel || rel.tenant_id !== input.tenant)
    return err({
      code: 'unknown_release',
      message: `release ${target} is not a release of ${input.tenant}`,
    })
  const manifestKey = kvKeys.manifest(input.tenant, target)
  if ((await edge.getJson(manifestKey)) === null)
    return err({
      code: 'release_not_in_edge_store',
      message: `release ${target} has no manifest in the edge store`,
    })
  // The scorer must be able to follow, or the edge and the scorer would serve different releases.
  if (deps.scorer && !(await deps.scorer.hasManifest(input.tenant, target)))
    return err({
      code: 'release_not_in_scorer_store',
      message: `release ${target} has no manifest in the scorer artifact store (publish it again to write it)`,
    })
  const release = target
  const previous = await flipPointer(db, {
    tenant: input.tenant,
    to: release,
    action: 'rollback',
    actor: input.actor,
    reason: input.reason,
    request_id: input.request_id,
    push: async () => {
      const updated_at = new Date().toISOString()
      await edge.putJson([{ key: kvKeys.pointer(input.tenant), value: { release, updated_at } }])
      await deps.scorer?.flip(input.tenant, release)
    },
  })
  return ok({
    tenant: input.tenant,
    release: target,
    previous,
    blobs: 0,
    ms: Math.round(performance.now() - t0),
  })
}

/**
 * Moves the pointer in one transaction with its history and audit rows, then pushes it to the stores (`push`) before
 * the transaction commits, all under a lock on the tenant's row: flips and pushes of one tenant run one at a time,
 * so a slower push can never land after a later one (the stores would serve A while the pointer says B), and two
 * first publishes cannot both insert the pointer. A failed push rolls the flip back (history and audit too), so the
 * pointer names what the stores were last told. When it already points there, only the push runs (completing a
 * publish or rollback whose push failed).
 */
async function flipPointer(
  db: Database,
  f: {
    tenant: string
    to: string
    action: 'publish' | 'rollback'
    actor: Actor
    reason: string
    request_id?: string
    /** Tombstones the release folds in: marked folded with the flip. */
    folded?: string[]
    push: () => Promise<void>
  },
): Promise<string | null> {
  return db.transaction(async (tx) => {
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, f.tenant)).for('update')
    const [cur] = await tx
      .select()
      .from(releasePointers)
      .where(eq(releasePointers.tenant_id, f.tenant))
      .for('update')
    const from = cur?.release_id ?? null
    if (from === f.to) {
      await f.push()
      return from
    }
    if (cur)
      await tx
        .update(releasePointers)
        .set({ release_id: f.to, updated_at: new Date() })
        .where(eq(releasePointers.tenant_id, f.tenant))
    else await tx.insert(releasePointers).values({ tenant_id: f.tenant, release_id: f.to })
    await tx.insert(releasePointerHistory).values({
      tenant_id: f.tenant,
      from_release: from,
      to_release: f.to,
      action: f.action,
      actor: f.actor.id,
      reason: f.reason,
    })
    await writeAudit(tx, {
      actor: f.actor,
      action: `release.${f.action}`,
      tenant_id: f.tenant,
      target: f.tenant,
      reason: f.reason,
      before: { release: from },
      after: { release: f.to },
      request_id: f.request_id,
    })
    if (f.folded?.length) await markFolded(tx, f.tenant, f.folded, f.to)
    await f.push()
    return from
  })
}

/** JSON with object keys sorted: jsonb does not keep key order, so equal documents must compare this way. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  )
}
