import type { Dataset } from '../data/dataset'
import { evaluate, type EvalOptions, type EvalReport, type ModelReport } from './evaluate'
import { ALS_PARAMS } from '../recommenders/als'
import { leaveLastN, type Split } from '../data/split'

/** The model every other one is compared with. */
export const BASELINE = 'popularity'

/**
 * The models whose lists a release can precompute as user slates (the `cached` tier): the better of them on
 * NDCG@10 does (ties go to the earlier). The trained `ranker` serves the `ranked` tier through the scorer.
 */
export const SLATE_MODELS = ['als', 'item2item'] as const

/** The held-out split of every evaluation: per-user leave-last-5 (ml-latest-small: all 610 users are scored). */
export const EVAL_SPLIT = { n: 5, description: 'leave-last-5' } as const

/**
 * ALS settings of the evaluation: the pipeline's own (the ml-latest-small figures of
 * docs/pipeline.md#determinism-and-figures use the same).
 */
export const EVAL_OPTIONS: EvalOptions = { als: { ...ALS_PARAMS, seed: 42 } }

/** Stamped into the report's lineage: bump when the evaluation's method changes. */
export const EVAL_CODE = 'evaluate@1'

/** Metric ids (slices as `<slice>.<metric>`), their labels, and how to read them from a model's report. */
export const METRICS = [
  ['recall_at_10', 'recall@10', (m: ModelReport) => m.recall_at_10],
  ['recall_at_20', 'recall@20', (m: ModelReport) => m.recall_at_20],
  ['ndcg_at_10', 'NDCG@10', (m: ModelReport) => m.ndcg_at_10],
  ['map_at_10', 'MAP@10', (m: ModelReport) => m.map_at_10],
  ['coverage_at_10', 'coverage@10', (m: ModelReport) => m.coverage_at_10],
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
  split: { description: string; users_evaluated: number; users_without_train: number }
  baseline: string
  /** The model whose figures the release records and the champion gate compares. */
  served_model: string
  /** The model of the precomputed user slates (absent when neither MF nor item-to-item was scored). */
  slate_model?: string
  models: Record<string, ModelReport>
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
      users_evaluated: r.users_evaluated,
      users_without_train: r.users_without_train,
    },
    baseline: BASELINE,
    served_model: servedModel(models),
    slate_model: slateModel(models),
    models,
    ratios: ratiosTo(models, BASELINE),
    ms: r.ms,
    lineage: { dataset: meta.dataset.name, seed: meta.dataset.seed, code: meta.code ?? EVAL_CODE },
  }
}

/**
 * Splits the dataset ({@link EVAL_SPLIT}, unless the caller gives the split), scores every model on the held-out
 * side, and assembles the report.
 * @note The control plane makes the same split in DuckDB for large logs (its `aggregate.ts`, tested equal to
 * `leaveLastN`) and passes it in.
 */
export async function evaluationReport(
  data: Dataset,
  meta: { tenant: string; name: string; seed: number | null },
  options: EvalOptions = EVAL_OPTIONS,
  /** The {@link EVAL_SPLIT} of `data.interactions`, when the caller already made it. */
  given?: Split,
): Promise<EvaluationReport> {
  const split = given ?? leaveLastN(data.interactions, { n: EVAL_SPLIT.n })
  return buildReport(evaluate(data, split, options), {
    tenant: meta.tenant,
    dataset: { name: meta.name, seed: meta.seed, interactions: data.interactions.length },
    split: EVAL_SPLIT.description,
  })
}
