import { err, ok, type Result } from '@recsys/shared'
import { and, desc, eq } from 'drizzle-orm'
import type { Actor } from '../audit/write'
import type { Database } from '../db/client'
import {
  artifactVersions,
  artifacts,
  releaseArtifacts,
  releasePointerHistory,
  releasePointers,
  releases,
} from '../db/schema/index'
import type { EdgeBlobWriter } from '../publish/edge-blobs'
import type { EdgeStoreWriter } from '../publish/edge-store'
import { publishRelease, type Published } from '../publish/publish'
import type { ScorerStoreWriter } from '../publish/scorer-store'
import type { GateFailure } from '../registry/gate-failure'
import {
  auditOverride,
  championRefusal,
  decide,
  liveChampion,
  RecordedEvaluation,
  type ChampionDecision,
} from './champion'
import { assembleRelease, type AssembleDeps, type AssembleInput } from './assemble'

export interface ReleaseDeps extends AssembleDeps {
  edge: EdgeStoreWriter
  edgeBlobs?: EdgeBlobWriter
  scorer?: ScorerStoreWriter
}

export type PublishFromRegistryError = {
  code: 'BAD_REQUEST' | 'NOT_FOUND' | 'GATE_FAILED' | 'CONFLICT' | 'CHAMPION_REGRESSION'
  message: string
  failures?: GateFailure[]
}

/**
 * Assembles a release from the registry (every gate), runs the champion gate, and publishes it atomically.
 * `dry_run` stops after the gates and returns what would be published.
 * @note Champion vs challenger: when the release's `model` recorded an offline evaluation, its NDCG@10 more than
 * 2 % below the live release's is refused unless `force` (the override is audited); a model without one (registered
 * by hand) is published without comparison, and the decision says so.
 */
export async function publishFromRegistry(
  deps: ReleaseDeps,
  input: AssembleInput & {
    reason: string
    dry_run?: boolean
    force?: boolean
    request_id?: string
  },
): Promise<
  Result<
    Published & {
      dry_run: boolean
      versions: Array<{ id: number; kind: string; name: string; sha256: string }>
      folded: string[]
      champion: ChampionDecision | null
    },
    PublishFromRegistryError
  >
> {
  const t0 = performance.now()
  const a = await assembleRelease(deps, input)
  if (!a.ok) return err(a.error)
  const model = a.value.versions.find((v) => v.kind === 'model')
  const recorded = RecordedEvaluation.safeParse(
    (model?.metadata as { evaluation?: unknown } | null)?.evaluation,
  )
  const champion = recorded.success
    ? decide(recorded.data, await liveChampion(deps.db, input.tenant), { force: input.force })
    : null
  if (champion) deps.progress?.(`champion vs challenger: ${champion.note}`)
  if (champion && !champion.allowed) {
    const refusal = championRefusal(champion)
    return err({ code: 'CHAMPION_REGRESSION', message: refusal.message, failures: refusal.details })
  }
  const summary = {
    versions: a.value.versions.map((v) => ({
      id: v.id,
      kind: v.kind,
      name: v.name,
      sha256: v.sha256,
    })),
    folded: a.value.folded,
  }
  if (input.dry_run)
    return ok({
      tenant: input.tenant,
      release: a.value.spec.release,
      previous: null,
      blobs: 0,
      ms: Math.round(performance.now() - t0),
      dry_run: true,
      champion,
      ...summary,
    })
  const p = await publishRelease(deps, {
    spec: a.value.spec,
    actor: input.actor,
    reason: input.reason,
    request_id: input.request_id,
    artifact_versions: a.value.versions.map((v) => v.id),
    folded: a.value.folded,
    scorer_files: a.value.scorer,
    edge_blobs: a.value.edge_blobs,
  })
  if (!p.ok)
    return err({
      code:
        p.error.code === 'unknown_tenant'
          ? 'NOT_FOUND'
          : p.error.code === 'release_conflict'
            ? 'CONFLICT'
            : 'BAD_REQUEST',
      message: p.error.message,
    })
  if (champion?.verdict === 'forced')
    await auditOverride(deps.db, {
      tenant: input.tenant,
      release: p.value.release,
      decision: champion,
      actor: input.actor,
      reason: input.reason,
      request_id: input.request_id,
    })
  return ok({
    ...p.value,
    ms: Math.round(performance.now() - t0),
    dry_run: false,
    champion,
    ...summary,
  })
}

/** A tenant's releases (newest first), the live one, and the pointer history. */
export async function listReleases(db: Database, tenant: string, limit = 50) {
  const [pointer] = await db
    .select()
    .from(releasePointers)
    .where(eq(releasePointers.tenant_id, tenant))
  const rows = await db
    .select({
      id: releases.id,
      created_at: releases.created_at,
      created_by: releases.created_by,
      note: releases.note,
    })
    .from(releases)
    .where(eq(releases.tenant_id, tenant))
    .orderBy(desc(releases.created_at), desc(releases.id))
    .limit(limit)
  const history = await db
    .select()
    .from(releasePointerHistory)
    .where(eq(releasePointerHistory.tenant_id, tenant))
    .orderBy(desc(releasePointerHistory.id))
    .limit(limit)
  return {
    tenant,
    live: pointer?.release_id ?? null,
    releases: rows.map((r) => ({ ...r, live: r.id === pointer?.release_id })),
    history,
  }
}

export async function showRelease(db: Database, tenant: string, id: string) {
  const [rel] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.tenant_id, tenant), eq(releases.id, id)))
  if (!rel) return undefined
  const parts = await db
    .select({
      id: artifactVersions.id,
      kind: artifacts.kind,
      name: artifacts.name,
      sha256: artifactVersions.sha256,
      size_bytes: artifactVersions.size_bytes,
    })
    .from(releaseArtifacts)
    .innerJoin(artifactVersions, eq(artifactVersions.id, releaseArtifacts.artifact_version_id))
    .innerJoin(artifacts, eq(artifacts.id, artifactVersions.artifact_id))
    .where(eq(releaseArtifacts.release_id, id))
  return { ...rel, artifacts: parts }
}

export type { Actor }
