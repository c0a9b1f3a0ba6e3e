import {
  Experiment,
  err,
  ok,
  type ArtifactKind,
  type CatalogFlags,
  type ReleaseSpec,
  type Result,
} from '@recsys/shared'
import { and, asc, eq, like } from 'drizzle-orm'
import type { z } from 'zod'
import type { Actor } from '../audit/write'
import { catalogItems, experiments, releases } from '../db/schema/index'
import { canonical } from '../publish/publish'
import type { EdgeBlob } from '../publish/release-blobs'
import { sha256Hex } from '../registry/blob-store'
import type { GateFailure } from '../registry/gate-failure'
import {
  DEFAULT_SLATE_BOUNDS,
  checkArtifact,
  type GateContext,
  type ModelCheck,
} from '../registry/gates'
import { parseArtifact, type ParsedArtifact } from '../registry/parse'
import { crossChecks } from './cross-checks'
import { toSpec } from './to-spec'
import {
  findVersion,
  listVersions,
  registerArtifact,
  versionLabel,
  type RegistryDeps,
  type VersionInfo,
} from '../registry/register'
import { loadTenantConfig } from '../tenants/service'
import { listTombstones, unfoldedTombstones } from '../tombstones/service'

export interface AssembleDeps extends RegistryDeps {
  modelCheck?: ModelCheck
  progress?: (msg: string) => void
}

export interface AssembleInput {
  tenant: string
  /** Release id; by default `r-<UTC date-time>-<hash of the versions>`. */
  release?: string
  /**
   * Versions to use (ids or SHA-256 prefixes). By default the newest version of every artifact of the tenant;
   * a version given here replaces the newest one of its artifact.
   */
  versions?: string[]
  slate_bounds?: { min: number; max: number }
  actor: Actor
  now?: Date
}

/** A release ready to publish: the spec the planner turns into writes, and what it was made of. */
export interface AssembledRelease {
  spec: ReleaseSpec
  versions: VersionInfo[]
  /** Tombstones this release folds into its denylist (unfolded until it is published). */
  folded: string[]
  /**
   * Scorer-side artifacts (catalog, fallback lists, models, index, neighbors, trending, consumed sets) for the
   * scorer store.
   */
  scorer: Array<{ kind: ArtifactKind; name: string; sha256: string; storage_key: string }>
  /** Bytes for the edge's artifact bucket (R2): the edge model, by the SHA-256 of its bytes. */
  edge_blobs: EdgeBlob[]
}

export type AssembleError =
  | { code: 'NOT_FOUND'; message: string }
  | { code: 'BAD_REQUEST'; message: string }
  | { code: 'GATE_FAILED'; message: string; failures: GateFailure[] }

const SCORER_KINDS = new Set<ArtifactKind>([
  'catalog',
  'fallback',
  'model',
  'edge_model',
  'index',
  'neighbors',
  'trending',
  'consumed',
])
/** ONNX has no registered media type; its bytes go to R2 as opaque binary. */
const ONNX_CONTENT_TYPE = 'application/octet-stream'

/**
 * Builds a release from the registry: snapshots the catalog into a `catalog` artifact, picks the versions, runs
 * every gate (schema, then content against the snapshot and the tombstones), folds tombstones into the denylist,
 * and returns the spec for {@link publishRelease}. Nothing is published here; gate failures are all returned.
 */
export async function assembleRelease(
  deps: AssembleDeps,
  input: AssembleInput,
): Promise<Result<AssembledRelease, AssembleError>> {
  const { db } = deps
  const say = deps.progress ?? (() => undefined)
  const now = input.now ?? new Date()
  const config = await loadTenantConfig(db, input.tenant)
  if (!config.ok) return config

  say('snapshotting the catalog')
  const catalog = await catalogSnapshot(deps, input.tenant)
  if (Object.keys(catalog).length === 0)
    return err({ code: 'BAD_REQUEST', message: `tenant ${input.tenant} has an empty catalog` })
  const snap = await registerArtifact(deps, {
    tenant: input.tenant,
    kind: 'catalog',
    name: 'catalog',
    bytes: new TextEncoder().encode(JSON.stringify({ items: catalog })),
    actor: input.actor,
    reason: 'catalog snapshot for a release',
  })
  if (!snap.ok) return err({ code: 'BAD_REQUEST', message: snap.error.message })

  const picked = await pickVersions(deps, input)
  if (!picked.ok) return picked
  const chosen = [snap.value.version, ...picked.value]

  const tombstoneRows = await listTombstones(deps, input.tenant)
  const ctx: GateContext = {
    catalog: new Set(Object.keys(catalog)),
    tombstoned: new Map(tombstoneRows.map((t) => [t.item_id, t.created_at])),
    surfaces: config.value.surfaces,
    slate: input.slate_bounds ?? DEFAULT_SLATE_BOUNDS,
    modelCheck: deps.modelCheck,
  }
  const failures: GateFailure[] = []
  const parsed: Array<{ v: VersionInfo; a: ParsedArtifact }> = []
  for (const v of chosen) {
    const label = versionLabel(v.kind, v.name, v.sha256)
    say(`checking ${label}`)
    const bytes = await deps.blobs.get(v.storage_key)
    const { bytes_sha256: _, ...metadata } = v.metadata
    const p = parseArtifact(label, v.kind, bytes, metadata)
    if (!p.ok) {
      failures.push(p.error)
      continue
    }
    failures.push(...(await checkArtifact(label, p.value, ctx, v.created_at)))
    parsed.push({ v, a: p.value })
  }
  failures.push(...crossChecks(parsed, config.value))
  if (failures.length)
    return err({
      code: 'GATE_FAILED',
      message: failures.map((f) => `${f.artifact}: ${f.check}: ${f.message}`).join('; '),
      failures,
    })

  const folded = await unfoldedTombstones(deps, input.tenant)
  const tombstones = [...ctx.tombstoned.keys()].sort()
  const exps = await activeExperiments(deps, input.tenant)
  const naming = input.release
    ? await namedRelease(deps, input.tenant, input.release, now)
    : await defaultRelease(deps, input.tenant, now, {
        versions: chosen.map((v) => `${v.kind}/${v.name}@${v.sha256}`),
        tombstones,
        experiments: exps,
        config: config.value,
      })
  const spec = toSpec(parsed, {
    tenant: input.tenant,
    config: config.value,
    catalog,
    tombstones,
    experiments: exps,
    now: naming.now,
    release: naming.release,
  })
  return ok({
    spec,
    versions: chosen,
    folded,
    scorer: chosen
      .filter((v) => SCORER_KINDS.has(v.kind))
      .map((v) => {
        const { bytes_sha256: _, ...metadata } = v.metadata
        return {
          kind: v.kind,
          name: v.name,
          sha256: v.sha256,
          storage_key: v.storage_key,
          metadata,
        }
      }),
    edge_blobs: parsed.flatMap(({ a }) =>
      a.kind === 'edge_model'
        ? [{ sha256: sha256Hex(a.bytes), bytes: a.bytes, content_type: ONNX_CONTENT_TYPE }]
        : [],
    ),
  })
}

/** The catalog table as serving flags, by item id (sorted, so the same catalog hashes the same). */
async function catalogSnapshot(deps: RegistryDeps, tenant: string) {
  const rows = await deps.db
    .select()
    .from(catalogItems)
    .where(eq(catalogItems.tenant_id, tenant))
    .orderBy(asc(catalogItems.item_id))
  const out: Record<string, z.input<typeof CatalogFlags>> = {}
  for (const r of rows)
    out[r.item_id] = {
      available: r.available,
      categories: r.categories,
      ...(r.regions_allowed ? { regions_allowed: r.regions_allowed } : {}),
      ...(r.regions_blocked ? { regions_blocked: r.regions_blocked } : {}),
      min_age: r.min_age,
      ...(r.published_at ? { published_at: r.published_at.getTime() } : {}),
      sponsored: r.sponsored,
      safe: r.safe,
    }
  return out
}

/** The newest version of every artifact (catalog excepted), with the versions asked for taking their place. */
async function pickVersions(
  deps: AssembleDeps,
  input: AssembleInput,
): Promise<Result<VersionInfo[], AssembleError>> {
  const newest = new Map<string, VersionInfo>()
  for (const v of await listVersions(deps.db, { tenant: input.tenant, limit: 100_000 }))
    if (v.kind !== 'catalog' && !newest.has(`${v.kind}/${v.name}`))
      newest.set(`${v.kind}/${v.name}`, v)
  for (const ref of input.versions ?? []) {
    const v = await findVersion(deps.db, input.tenant, ref)
    if (!v)
      return err({
        code: 'NOT_FOUND',
        message: `no version ${ref} among ${input.tenant}'s artifacts`,
      })
    if (v.kind === 'catalog')
      return err({ code: 'BAD_REQUEST', message: 'the catalog is snapshotted, not picked' })
    newest.set(`${v.kind}/${v.name}`, v)
  }
  return ok([...newest.values()].sort((a, b) => a.id - b.id))
}

async function activeExperiments(deps: RegistryDeps, tenant: string) {
  const rows = await deps.db.select().from(experiments).where(eq(experiments.tenant_id, tenant))
  return rows
    .filter((r) => r.status === 'running')
    .map((r) => Experiment.parse({ id: r.id, ...r.definition }))
}

/**
 * A release id the operator chose: when it is already recorded for this tenant, its creation time is kept, so that
 * running the same publish again (after a failure) builds the same manifest and completes it instead of being
 * refused as a release that exists with other content.
 */
async function namedRelease(
  deps: RegistryDeps,
  tenant: string,
  release: string,
  now: Date,
): Promise<{ release: string; now: Date }> {
  const [existing] = await deps.db
    .select({ manifest: releases.manifest })
    .from(releases)
    .where(and(eq(releases.tenant_id, tenant), eq(releases.id, release)))
    .limit(1)
  return { release, now: existing ? new Date(String(existing.manifest.created_at)) : now }
}

/**
 * The default release id: `r-<UTC stamp>-<hash of the content>`. Content is every chosen version, the tombstones,
 * the experiments and the tenant config, so assembling the same content again (a retry after a crashed publish)
 * finds the recorded release and reuses its id and creation time: the manifest is identical and the publish
 * completes that release instead of starting another.
 */
async function defaultRelease(
  deps: RegistryDeps,
  tenant: string,
  now: Date,
  content: unknown,
): Promise<{ release: string; now: Date }> {
  const hash = sha256Hex(canonical(content)).slice(0, 10)
  const [existing] = await deps.db
    .select({ id: releases.id, manifest: releases.manifest })
    .from(releases)
    .where(and(eq(releases.tenant_id, tenant), like(releases.id, `r-%-${hash}`)))
    .limit(1)
  if (existing) return { release: existing.id, now: new Date(String(existing.manifest.created_at)) }
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return { release: `r-${stamp}-${hash}`, now }
}
