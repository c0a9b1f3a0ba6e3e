import type { Dataset } from '../data/dataset'
import {
  BASELINES,
  evaluate,
  type EvalOptions,
  type EvalReport,
  type ModelReport,
} from './evaluate'
import { ALS_PARAMS } from '../recommenders/als'
import { leaveLastN, randomSplit, type Split } from '../data/split'
import type { Interaction } from '../data/dataset'

/** The model every other one is compared with. */
export const BASELINE = 'popularity'

/**
 * The models whose lists a release can precompute as user slates (the `cached` tier): the best of them on
 * NDCG@10 does (ties go to the earlier). The trained `ranker` serves the `ranked` tier through the scorer.
 */
export const SLATE_MODELS = ['als', 'item2item', 'ease', 'knn'] as const

/** The temporal protocol's split: per-user leave-last-5 (ml-latest-small: all 610 users are scored). */
export const EVAL_SPLIT = { n: 5, description: 'leave-last-5' } as const

/** The random protocol's split: per-user stratified 75/25 with seed 42 (data/split.ts `randomSplit`). */
export const RANDOM_SPLIT = { ratio: 0.75, seed: 42, description: 'random-75/25-seed-42' } as const

/**
 * The evaluation protocols: `temporal` holds out each user's latest items (what serving faces: the future), `random`
 * a random quarter of each user's items (Microsoft Recommenders' MovieLens protocol, comparable with published
 * figures). The description names the split in reports and in the champion gate's like-with-like check.
 */
export const EVAL_PROTOCOLS = {
  temporal: {
    description: EVAL_SPLIT.description,
    split: (xs: Iterable<Interaction>) => leaveLastN(xs, { n: EVAL_SPLIT.n }),
  },
  random: {
    description: RANDOM_SPLIT.description,
    split: (xs: Iterable<Interaction>) => randomSplit(xs, RANDOM_SPLIT),
  },
} as const

export type EvalProtocol = keyof typeof EVAL_PROTOCOLS

/**
 * ALS settings of the evaluation: the pipeline's own (the ml-latest-small figures of
 * docs/pipeline.md#determinism-and-figures use the same).
 */
export const EVAL_OPTIONS: EvalOptions = { als: { ...ALS_PARAMS, seed: 42 } }

/** Stamped into the report's lineage: bump when the evaluation's method changes. */
export const EVAL_CODE = 'evaluate@2'

/** Metric ids (slices as `<slice>.<metric>`), their labels, and how to read them from a model's report. */
export const METRICS = [
  ['recall_at_10', 'recall@10', (m: ModelReport) => m.recall_at_10],
  ['recall_at_20', 'recall@20', (m: ModelReport) => m.recall_at_20],
  ['ndcg_at_10', 'NDCG@10', (m: ModelReport) => m.ndcg_at_10],
  ['precision_at_10', 'precision@10', (m: ModelReport) => m.precision_at_10],
  ['map_at_10', 'MAP@10', (m: ModelReport) => m.map_at_10],
  ['coverage_at_10', 'coverage@10', (m: ModelReport) => m.coverage_at_10],
  ['diversity_at_10', 'diversity@10', (m: ModelReport) => m.diversity_at_10],
  ['novelty_at_10', 'novelty@10 (bits)', (m: ModelReport) => m.novelty_at_10],
  [
    'cold_start.recall_at_20',
    'cold-start recall@20',
    (m: ModelReport) => m.cold_start.recall_at_20,
  ],
  ['cold_start.ndcg_at_10', 'cold-start NDCG@10', (m: ModelReport) => m.cold_start.ndcg_at_10],
  ['head_items.recall_at_20', 'head recall@20', (m: ModelReport) => m.head_items.recall_at_20],
  ['head_items.ndcg_at_10', 'head NDCG@10', (m: ModelReport) => m.head_items.ndcg_at_10],
  ['tail_items.recall_at_20', 'tail recall@20', (m: ModelReport) => m.tail_items.recall_at_20],
  ['tail_items.ndcg_at_10', 'tail NDCG@10', (m: ModelReport) => m.tail_items.ndcg_at_10],
] as const

export type MetricId = (typeof METRICS)[number][0]

/** The slices of a model's report, in display order. */
export const SLICES = [
  ['cold_start', 'cold-start users'],
  ['head_items', 'head items'],
  ['tail_items', 'tail items'],
] as const

/** The offline evaluation of one pipeline run, as written to `report.json` and rendered as `report.html`. */
export interface EvaluationReport {
  kind: 'recsys.evaluation'
  tenant: string
  /** ISO time the report was made. */
  created_at: string
  dataset: {
    name: string
    seed: number | null
    items: number
    users: number
    interactions: number
    /** De-duplicated (user, item) pairs on each side of the split. */
    train: number
    test: number
  }
  split: {
    description: string
    protocol: EvalProtocol
    users_evaluated: number
    users_without_train: number
  }
  /** The model the ratios are to. */
  baseline: string
  /** Every baseline the run scored (popularity, and EASE unless its guard or the caller left it out). */
  baselines: string[]
  /** The model whose figures the release records and the champion gate compares. */
  served_model: string
  /** The model of the precomputed user slates (absent when none of {@link SLATE_MODELS} was scored). */
  slate_model?: string
  models: Record<string, ModelReport>
  /** Models left out of this run, and why. */
  skipped: Record<string, string>
  /** The ALS search on a validation split of train, when one ran: every trial and the chosen settings. */
  tuning?: EvalReport['tuning']
  /** Each model's value over the baseline's, per metric; null where the baseline scores 0. */
  ratios: Record<string, Record<MetricId, number | null>>
  /** Time each model took to train and rank (information only). */
  ms: Record<string, number>
  lineage: { dataset: string; seed: number | null; code: string }
}

/** The model of the precomputed user slates: the best of {@link SLATE_MODELS} by NDCG@10 that was scored. */
export function slateModel(models: Record<string, ModelReport>): string | undefined {
  let best: string | undefined
  for (const m of SLATE_MODELS)
    if (models[m] && (best === undefined || models[m].ndcg_at_10 > models[best]!.ndcg_at_10))
      best = m
  return best
}

/**
 * The served model, whose figures a release records and the champion gate compares: the trained `ranker` (the
 * `ranked` tier) when the evaluation scored one, else the slate model, else the first scored.
 */
export function servedModel(models: Record<string, ModelReport>): string {
  const name = 'ranker' in models ? 'ranker' : (slateModel(models) ?? Object.keys(models)[0])
  if (name === undefined) throw new Error('the evaluation scored no model')
  return name
}

const ratio = (v: number, base: number) => (base === 0 ? null : Math.round((v / base) * 1e4) / 1e4)

/** Every model's ratio to the baseline on every metric. */
export function ratiosTo(
  models: Record<string, ModelReport>,
  baseline: string,
): EvaluationReport['ratios'] {
  const base = models[baseline]
  return Object.fromEntries(
    Object.entries(models).map(([name, m]) => [
      name,
      Object.fromEntries(
        METRICS.map(([id, , get]) => [id, base ? ratio(get(m), get(base)) : null]),
      ) as Record<MetricId, number | null>,
    ]),
  )
}

export interface ReportMeta {
  tenant: string
  dataset: { name: string; seed: number | null; interactions: number }
  split: string
  /** Default `temporal`. */
  protocol?: EvalProtocol
  created_at?: string
  code?: string
}

/** Assembles the report from an {@link EvalReport} (pure). */
export function buildReport(r: EvalReport, meta: ReportMeta): EvaluationReport {
  const models: Record<string, ModelReport> = r.models
  return {
    kind: 'recsys.evaluation',
    tenant: meta.tenant,
    created_at: meta.created_at ?? new Date().toISOString(),
    dataset: { ...meta.dataset, ...r.dataset },
    split: {
      description: meta.split,
      protocol: meta.protocol ?? 'temporal',
      users_evaluated: r.users_evaluated,
      users_without_train: r.users_without_train,
    },
    baseline: BASELINE,
    baselines: BASELINES.filter((b) => b in models),
    served_model: servedModel(models),
    slate_model: slateModel(models),
    models,
    skipped: r.skipped as Record<string, string>,
    ...(r.tuning ? { tuning: r.tuning } : {}),
    ratios: ratiosTo(models, BASELINE),
    ms: r.ms,
    lineage: { dataset: meta.dataset.name, seed: meta.dataset.seed, code: meta.code ?? EVAL_CODE },
  }
}

/**
 * Splits the dataset by the protocol (default `temporal`), unless the caller gives the split, scores every model on
 * the held-out side, and assembles the report.
 * @note The control plane makes the temporal split in DuckDB for large logs (its `aggregate.ts`, tested equal to
 * `leaveLastN`) and passes it in.
 */
export async function evaluationReport(
  data: Dataset,
  meta: { tenant: string; name: string; seed: number | null; protocol?: EvalProtocol },
  options: EvalOptions = EVAL_OPTIONS,
  /** The protocol's split of `data.interactions`, when the caller already made it. */
  given?: Split,
): Promise<EvaluationReport> {
  const protocol = meta.protocol ?? 'temporal'
  const split = given ?? EVAL_PROTOCOLS[protocol].split(data.interactions)
  return buildReport(await evaluate(data, split, options), {
    tenant: meta.tenant,
    dataset: { name: meta.name, seed: meta.seed, interactions: data.interactions.length },
    split: EVAL_PROTOCOLS[protocol].description,
    protocol,
  })
}
