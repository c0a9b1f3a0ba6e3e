import { existsSync } from 'node:fs'
import path from 'node:path'
import { err, ok, type ArtifactKind, type Result } from '@recsys/shared'
import type { Actor } from '../audit/write'
import { importCatalog } from '../catalog/service'
import { registerArtifact } from '../registry/register'
import { loadTenantConfig } from '../tenants/service'
import { listTombstones } from '../tombstones/service'
import { publishFromRegistry, type ReleaseDeps } from '../release/service'
import {
  auditOverride,
  championRefusal,
  decide,
  liveChampion,
  recordEvaluation,
  type ChampionDecision,
} from './champion'
import type { Dataset } from './dataset'
import { randomIndexingEmbeddings } from './embeddings'
import { buildIndexBundle } from './hnsw-index'
import { priorEdgeModel, priorRanker } from './prior-models'
import { simpleArtifacts, toNdjson } from './simple-artifacts'
import { readMovieLens100k, readMovieLensLatest } from './movielens'
import { evaluationReport, type EvaluationReport } from './report'
import { syntheticDataset } from './synthetic'

export interface PipelineInput {
  tenant: string
  /** `synthetic`, or `movielens:<dir>` (ml-latest `ratings.csv` + `movies.csv`, or ml-100k `u.data` + `u.item`). */
  dataset: 'synthetic' | `movielens:${string}`
  seed?: number
  items?: number
  users?: number
  publish: boolean
  /** Publish even when the champion gate refuses (the override is audited with `reason`). */
  force?: boolean
  reason: string
  actor: Actor
  request_id?: string
}

export interface PipelineReport {
  tenant: string
  dataset: { name: string; seed: number; items: number; users: number; interactions: number }
  artifacts: Array<{
    kind: ArtifactKind
    name: string
    sha256: string
    created: boolean
    bytes: number
  }>
  published?: { release: string; previous: string | null; ms: number }
  /** The offline evaluation on the held-out split; its served model's figures are recorded with the `model`. */
  evaluation: EvaluationReport
  /** Champion vs challenger against the live release (what a publish decides, or decided). */
  champion: ChampionDecision
  ms: number
}

/** The synthetic dataset's clock: fixed, so the same seed gives the same artifacts (and the same versions). */
export const SYNTHETIC_START = Date.UTC(2026, 0, 1)

/** Width of the item and user embeddings the pipeline indexes. */
export const EMBEDDING_DIMS = 32

/**
 * `recsys pipeline run`: dataset → catalog import → artifacts → register (gated) → optionally publish.
 * @note What it computes today is the simple set (popular, segment lists, item-to-item user and anchored slates);
 * the batch pipeline replaces the computation, not this command. Tombstoned items are left out of every list.
 */
export async function runPipeline(
  deps: ReleaseDeps,
  input: PipelineInput,
): Promise<Result<PipelineReport, { code: string; message: string; details?: unknown }>> {
  const t0 = performance.now()
  const say = deps.progress ?? (() => undefined)
  const { db } = deps
  const config = await loadTenantConfig(db, input.tenant)
  if (!config.ok) return config

  const seed = input.seed ?? 42
  const loaded = await loadDataset(input, seed, say)
  if (!loaded.ok) return loaded
  const { data, name: datasetName, now } = loaded.value
  say(
    `dataset: ${data.items.length} items, ${data.users.length} users, ${data.interactions.length} interactions`,
  )
  say('offline evaluation on the held-out split')
  const evaluation = evaluationReport(data, {
    tenant: input.tenant,
    name: datasetName,
    seed: input.dataset === 'synthetic' ? seed : null,
  })
  const recorded = recordEvaluation(evaluation)

  say('importing the catalog')
  const imported = await importCatalog(
    db,
    {
      tenant: input.tenant,
      items: data.items.map((it) => ({ ...it, published_at: it.published_at })),
      actor: input.actor,
      reason: `pipeline: ${input.reason}`,
    },
    (done, total) => say(`  catalog ${done}/${total}`),
  )
  if (!imported.ok) return err(imported.error)

  const tombstoned = new Set((await listTombstones(deps, input.tenant)).map((t) => t.item_id))
  const servable: Dataset = {
    ...data,
    items: data.items.map((it) => (tombstoned.has(it.item_id) ? { ...it, available: false } : it)),
  }
  say('computing lists (popular, segments, item-to-item slates, neighbours, trending)')
  const files = simpleArtifacts(servable, {
    surfaces: config.value.surfaces,
    now,
    version: `${datasetName}-${seed}`,
  })
  say('computing embeddings and the HNSW index')
  const embeddings = randomIndexingEmbeddings(servable, EMBEDDING_DIMS, seed)
  const index = await buildIndexBundle(embeddings)
  const ranker = priorRanker()
  const edgeModel = priorEdgeModel()
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
  const outputs: Array<{
    kind: ArtifactKind
    name: string
    bytes: Uint8Array
    metadata?: Record<string, unknown>
  }> = [
    { kind: 'rules', name: 'rules', bytes: json(files.rules) },
    { kind: 'denylist', name: 'pipeline', bytes: json(files.denylist) },
    { kind: 'fallback', name: 'popular', bytes: json(files.fallback) },
    { kind: 'slates', name: 'pipeline', bytes: toNdjson(files.slates) },
    { kind: 'neighbors', name: 'item2item', bytes: json(files.neighbors) },
    { kind: 'trending', name: 'trending', bytes: json(files.trending) },
    { kind: 'index', name: 'items', bytes: index.bytes, metadata: index.metadata },
    { kind: 'model', name: 'ranker', bytes: ranker.onnx, metadata: ranker.metadata },
    {
      kind: 'edge_model',
      name: 'edge-ranker',
      bytes: edgeModel.onnx,
      metadata: edgeModel.metadata,
    },
  ]
  const report: PipelineReport = {
    tenant: input.tenant,
    dataset: {
      name: datasetName,
      seed,
      items: data.items.length,
      users: data.users.length,
      interactions: data.interactions.length,
    },
    artifacts: [],
    evaluation,
    champion: decide(recorded, await liveChampion(db, input.tenant), { force: input.force }),
    ms: 0,
  }
  for (const o of outputs) {
    say(`registering ${o.kind}/${o.name} (${(o.bytes.byteLength / 1024).toFixed(0)} KiB)`)
    const r = await registerArtifact(deps, {
      tenant: input.tenant,
      kind: o.kind,
      name: o.name,
      bytes: o.bytes,
      metadata: {
        ...o.metadata,
        ...(o.kind === 'model' ? { evaluation: recorded } : {}),
        lineage: { dataset: datasetName, seed, code: 'simple-artifacts@2' },
      },
      actor: input.actor,
      reason: `pipeline: ${input.reason}`,
      request_id: input.request_id,
    })
    if (!r.ok)
      return err({
        code: r.error.code,
        message: r.error.message,
        details: 'gate' in r.error ? r.error.gate : undefined,
      })
    report.artifacts.push({
      kind: o.kind,
      name: o.name,
      sha256: r.value.version.sha256,
      created: r.value.created,
      bytes: o.bytes.byteLength,
    })
  }
  if (input.publish) {
    const gate = report.champion
    say(`champion vs challenger: ${gate.note}`)
    if (!gate.allowed) return err(championRefusal(gate))
    say('publishing')
    const p = await publishFromRegistry(deps, {
      tenant: input.tenant,
      actor: input.actor,
      reason: `pipeline: ${input.reason}`,
      request_id: input.request_id,
    })
    if (!p.ok)
      return err({ code: p.error.code, message: p.error.message, details: p.error.failures })
    report.published = { release: p.value.release, previous: p.value.previous, ms: p.value.ms }
    if (gate.verdict === 'forced')
      await auditOverride(db, {
        tenant: input.tenant,
        release: p.value.release,
        decision: gate,
        actor: input.actor,
        reason: input.reason,
        request_id: input.request_id,
      })
  }
  report.ms = Math.round(performance.now() - t0)
  return ok(report)
}

/**
 * The dataset of a run, its name in reports and lineage, and the reference time of decays (the synthetic clock, or
 * a MovieLens dataset's last interaction).
 */
export async function loadDataset(
  input: Pick<PipelineInput, 'dataset' | 'items' | 'users'>,
  seed: number,
  say: (msg: string) => void,
): Promise<
  Result<{ data: Dataset; name: string; now: number }, { code: string; message: string }>
> {
  if (input.dataset === 'synthetic') {
    say(`generating the synthetic dataset (seed ${seed})`)
    const data = syntheticDataset({
      seed,
      start: SYNTHETIC_START,
      items: input.items,
      users: input.users,
    })
    return ok({ data, name: 'synthetic', now: SYNTHETIC_START })
  }
  const dir = path.resolve(input.dataset.slice('movielens:'.length))
  const latest = existsSync(path.join(dir, 'ratings.csv'))
  if (!latest && !existsSync(path.join(dir, 'u.data')))
    return err({
      code: 'BAD_REQUEST',
      message: `${dir} holds neither ratings.csv + movies.csv (ml-latest) nor u.data + u.item (ml-100k)`,
    })
  say(`reading MovieLens (${latest ? 'ml-latest' : 'ml-100k'}) from ${dir}`)
  try {
    const data = latest ? await readMovieLensLatest(dir) : await readMovieLens100k(dir)
    let now = 0
    for (const x of data.interactions) if (x.ts > now) now = x.ts
    return ok({ data, name: `movielens:${path.basename(dir)}`, now })
  } catch (e) {
    return err({ code: 'BAD_REQUEST', message: (e as Error).message })
  }
}
