import { err, ok, type ArtifactKind, type Result } from '@recsys/shared'
import type { Actor } from '../audit/write'
import { importCatalog } from '../catalog/service'
import { registerArtifact } from '../registry/register'
import { loadTenantConfig } from '../tenants/service'
import { listTombstones } from '../tombstones/service'
import { publishFromRegistry, type ReleaseDeps } from '../release/service'
import {
  championRefusal,
  decide,
  liveChampion,
  recordEvaluation,
  type ChampionDecision,
} from '../release/champion'
import { catalogInteractions, itemsByUser, type Dataset } from '@recsys/trainer/data/dataset'
import { loadDataset } from './load-dataset'
import { aggregateInteractions } from './aggregate'
import { ALS_PARAMS, trainAls } from '@recsys/trainer/recommenders/als'
import {
  buildIndexBundle,
  DEFAULT_HNSW,
  MIN_INDEX_RECALL,
} from '@recsys/trainer/artifacts/hnsw-index'
import { mfEmbeddings, mfUserSlates } from '@recsys/trainer/artifacts/mf-artifacts'
import { easeUserSlates, knnUserSlates } from '@recsys/trainer/artifacts/model-slates'
import { trainEase } from '@recsys/trainer/recommenders/ease'
import { trainItemKnn } from '@recsys/trainer/recommenders/item-knn'
import { releaseModels } from '@recsys/trainer/ranker/trained-models'
import { simpleArtifacts, toNdjson } from '@recsys/trainer/artifacts/simple-artifacts'
import { consumedFile } from '@recsys/trainer/artifacts/consumed'
import {
  EVAL_PROTOCOLS,
  EVAL_SPLIT,
  evaluationReport,
  type EvalProtocol,
  type EvaluationReport,
} from '@recsys/trainer/eval/report'

export interface PipelineInput {
  tenant: string
  /**
   * `synthetic`, `movielens:<dir>` (ml-latest `ratings.csv` + `movies.csv`, or ml-100k `u.data` + `u.item`), or
   * `log:<dir>` (the tenant's event log under `<dir>/<tenant>/`, with the items of its catalog).
   */
  dataset: 'synthetic' | `movielens:${string}` | `log:${string}`
  seed?: number
  items?: number
  users?: number
  /** Synthetic only: mean interactions per user. */
  interactions_per_user?: number
  /** The evaluation's split (default `temporal`): it also splits the ranker's history from its labels. */
  split?: EvalProtocol
  /** Search ALS's settings on a validation split of the train side; the chosen ones train every ALS of the run. */
  tune_als?: boolean
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
  /** The offline evaluation on the held-out split; its served model's figures are recorded with the `model`. */
  evaluation: EvaluationReport
  artifacts: Array<{
    kind: ArtifactKind
    name: string
    sha256: string
    created: boolean
    bytes: number
  }>
  published?: { release: string; previous: string | null; ms: number }
  /** Wall time of each step, in order (`dataset` includes reading or generating it). */
  steps: Array<{ step: string; ms: number }>
  /** Champion vs challenger against the live release (what a publish decides, or decided). */
  champion: ChampionDecision
  ms: number
}

export { ALS_PARAMS }

/** Width of the item and user embeddings the pipeline indexes. */
export const EMBEDDING_DIMS = ALS_PARAMS.factors

/** Entries of a precomputed user slate. */
export const USER_SLATE_SIZE = 100
/** Stamped in every artifact's lineage: bump when what the pipeline computes changes. */
export const PIPELINE_CODE = 'pipeline@5'

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
  // Each step's wall time goes in the report; between steps the event loop runs, so progress lines go out as the
  // steps happen, not all at the end (the steps themselves are synchronous CPU work).
  const steps: Array<{ step: string; ms: number }> = []
  let current = { step: 'dataset', at: t0 }
  const step = async (name: string, msg: string) => {
    const at = performance.now()
    steps.push({ step: current.step, ms: Math.round(at - current.at) })
    current = { step: name, at }
    say(msg)
    await new Promise((r) => setImmediate(r))
  }
  const { db } = deps
  const config = await loadTenantConfig(db, input.tenant)
  if (!config.ok) return config

  // Everything up to registration runs in its own function: its datasets, models, slates and artifact bytes (GBs
  // for a large tenant) are garbage before the publish parses the registered artifacts again.
  const build = async (): Promise<
    Result<PipelineReport, { code: string; message: string; details?: unknown }>
  > => {
    const seed = input.seed ?? 42
    const loaded = await loadDataset(input, seed, say, db)
    if (!loaded.ok) return loaded
    const { data, name: datasetName, now } = loaded.value
    say(
      `dataset: ${data.items.length} items, ${data.users.length} users, ${data.interactions.length} interactions`,
    )
    await step('catalog', 'importing the catalog')
    // A log dataset's items come from the catalog: importing them back would only bump its rows.
    const imported = loaded.value.fromCatalog
      ? ok(undefined)
      : await importCatalog(
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
      items: data.items.map((it) =>
        tombstoned.has(it.item_id) ? { ...it, available: false } : it,
      ),
    }
    // Only catalog items count: interactions with unknown items are dropped before anything learns from them.
    const interactions = catalogInteractions(servable)
    const available = new Set(servable.items.filter((it) => it.available).map((it) => it.item_id))

    const protocol = input.split ?? 'temporal'
    await step(
      'evaluate',
      `evaluating on the held-out split (${protocol === 'temporal' ? `each user's last ${EVAL_SPLIT.n} items` : EVAL_PROTOCOLS.random.description})`,
    )
    // DuckDB de-duplicates and makes the temporal split (aggregate.ts); the random one is the trainer's. ALS on the
    // train side is trained once, for the evaluation and as the history of the ranker's examples (the same split).
    const split =
      protocol === 'temporal'
        ? (await aggregateInteractions(interactions, { split: { leaveLastN: EVAL_SPLIT.n } })).split
        : EVAL_PROTOCOLS[protocol].split(interactions)
    say(`  ${split.train.length} train and ${split.test.length} held-out (user, item) pairs`)
    // With tune_als the evaluation searches ALS's settings first and trains its own train-side ALS.
    let trainSideAls = input.tune_als ? undefined : trainAls(split.train, { ...ALS_PARAMS, seed })
    const evaluation = await evaluationReport(
      { ...servable, interactions },
      {
        tenant: input.tenant,
        name: datasetName,
        seed: input.dataset === 'synthetic' ? seed : null,
        protocol,
      },
      {
        als: { ...ALS_PARAMS, seed },
        ...(trainSideAls ? { alsModel: trainSideAls } : { alsSearch: true }),
      },
      split,
    )
    for (const [model, m] of Object.entries(evaluation.models))
      say(
        `  ${model}: NDCG@10 ${m.ndcg_at_10}, recall@10 ${m.recall_at_10}, coverage ${m.coverage_at_10}`,
      )
    for (const [model, why] of Object.entries(evaluation.skipped))
      say(`  ${model} left out: ${why}`)
    say(`  served: ${evaluation.served_model}; user slates: ${evaluation.slate_model ?? 'als'}`)
    const alsParams = { ...ALS_PARAMS, ...evaluation.tuning?.als.best }
    if (evaluation.tuning)
      say(`  ALS search: ${JSON.stringify(evaluation.tuning.als.best)} chosen on validation`)
    trainSideAls ??= trainAls(split.train, { ...alsParams, seed })
    const recorded = recordEvaluation(evaluation)

    await step(
      'als',
      `training ALS on all ${interactions.length} interactions (${alsParams.factors} factors)`,
    )
    const als = trainAls(interactions, {
      ...alsParams,
      seed,
      onIteration: (i, loss) =>
        say(`  ALS iteration ${i + 1}/${alsParams.iterations}: loss ${loss.toFixed(1)}`),
    })
    await step('ranker', 'training the ranker and the edge model on point-in-time examples')
    const trained = await releaseModels(
      { ...servable, interactions },
      {
        seed,
        dims: alsParams.factors,
        labelsPerUser: EVAL_SPLIT.n,
        split,
        splitDescription: EVAL_PROTOCOLS[protocol].description,
        alsModel: trainSideAls,
        say,
      },
    )
    if (!trained.ok) return err(trained.error)
    const { ranker, edgeModel } = trained.value
    const { parity } = trained.value
    say(
      `  onnxruntime vs TypeScript forward: ranker max |Δ| ${parity.ranker.max_diff.toExponential(1)} over ${parity.ranker.rows} rows, edge model ${parity.edge_model.max_diff.toExponential(1)}`,
    )

    // User slates come from the model the evaluation ranks best: MF, EASE or item-kNN (each trained again here on
    // every interaction), or the co-occurrence blend of simpleArtifacts.
    let userSlates: ReturnType<typeof mfUserSlates> | undefined
    const slateModel = evaluation.slate_model ?? 'als'
    if (slateModel !== 'item2item') {
      const consumed = itemsByUser(interactions)
      const slateOptions = { k: USER_SLATE_SIZE, keep: (id: string) => available.has(id), consumed }
      const progress = (done: number, total: number) => say(`  user slates ${done}/${total}`)
      await step('user_slates', `computing user slates (top ${USER_SLATE_SIZE} by ${slateModel})`)
      if (slateModel === 'ease') {
        const ease = await trainEase(interactions)
        // The train side passed the guard; the whole log may not: then MF's slates serve.
        if (ease.ok) userSlates = easeUserSlates(ease.value, slateOptions, progress)
        else say(`  ${ease.error.message}; MF slates instead`)
      } else if (slateModel === 'knn')
        userSlates = knnUserSlates(trainItemKnn(interactions), slateOptions, progress)
      userSlates ??= mfUserSlates(als, slateOptions, progress)
    }
    await step(
      'lists',
      userSlates
        ? 'computing lists (popular, segments, neighbours, trending) and anchored slates'
        : 'computing lists and item-to-item user and anchored slates (item-to-item ranked best offline)',
    )
    const files = simpleArtifacts(servable, {
      surfaces: config.value.surfaces,
      now,
      version: `${datasetName}-${seed}`,
      userSlates,
      userSlateSize: USER_SLATE_SIZE,
    })
    await step('index', 'building the HNSW index over the item embeddings')
    const index = await buildIndexBundle(
      mfEmbeddings(
        als,
        servable.items.map((it) => it.item_id),
      ),
    )
    say(`  index recall@10 against exact search: ${index.recall_at_10.toFixed(4)}`)
    if (index.recall_at_10 < MIN_INDEX_RECALL)
      return err({
        code: 'GATE_FAILED',
        message: `the HNSW index finds ${index.recall_at_10.toFixed(4)} of the exact top 10, below ${MIN_INDEX_RECALL}`,
        details: { gate: 'index_recall', recall_at_10: index.recall_at_10, min: MIN_INDEX_RECALL },
      })
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
      // Each user's history: the scorer drops it before scoring where the rules say `exclude_consumed`.
      { kind: 'consumed', name: 'history', bytes: json(consumedFile(interactions)) },
      {
        kind: 'index',
        name: 'items',
        bytes: index.bytes,
        metadata: {
          ...index.metadata,
          recall_at_10: index.recall_at_10,
          lineage: { als: { ...alsParams, seed }, hnsw: DEFAULT_HNSW },
        },
      },
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
      evaluation,
      artifacts: [],
      steps: [],
      champion: decide(recorded, await liveChampion(db, input.tenant), { force: input.force }),
      ms: 0,
    }
    await step('register', `registering ${outputs.length} artifacts`)
    for (const o of outputs) {
      say(`  registering ${o.kind}/${o.name} (${(o.bytes.byteLength / 1024).toFixed(0)} KiB)`)
      const r = await registerArtifact(deps, {
        tenant: input.tenant,
        kind: o.kind,
        name: o.name,
        bytes: o.bytes,
        metadata: {
          ...o.metadata,
          ...(o.kind === 'model' ? { evaluation: recorded } : {}),
          lineage: {
            dataset: datasetName,
            interactions: interactions.length,
            seed,
            code: PIPELINE_CODE,
            ...(o.metadata?.lineage as object | undefined),
          },
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
    return ok(report)
  }
  const built = await build()
  if (!built.ok) return built
  const report = built.value
  if (input.publish) {
    // Refused before anything is written; the publish itself runs the same gate on the registered model.
    const gate = report.champion
    if (!gate.allowed) {
      say(`champion vs challenger: ${gate.note}`)
      return err(championRefusal(gate))
    }
    await step('publish', 'publishing')
    // The publish runs the same gate on the registered model (and audits a forced one).
    const p = await publishFromRegistry(deps, {
      tenant: input.tenant,
      actor: input.actor,
      reason: `pipeline: ${input.reason}`,
      force: gate.verdict === 'forced',
      request_id: input.request_id,
    })
    if (!p.ok)
      return err({ code: p.error.code, message: p.error.message, details: p.error.failures })
    report.published = { release: p.value.release, previous: p.value.previous, ms: p.value.ms }
  }
  steps.push({ step: current.step, ms: Math.round(performance.now() - current.at) })
  report.steps = steps
  report.ms = Math.round(performance.now() - t0)
  return ok(report)
}
