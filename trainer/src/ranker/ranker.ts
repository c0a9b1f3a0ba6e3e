import {
  EDGE_FEATURE_COUNT,
  EDGE_FEATURES,
  edgeFeatures,
  RANKER_FEATURES,
  type ModelMetadata,
} from '@recsys/shared'
import { fitScoringModel, type FitOptions, type TrainedBundle } from '../model/fit'
import type { DatasetItem, Interaction } from '../data/dataset'
import {
  rankerArtifacts,
  type RankerArtifactOptions,
  type RankerArtifacts,
} from '../artifacts/ranker-artifacts'
import {
  evenSample,
  labelSets,
  MAX_TRAINING_USERS,
  nearestScored,
  rankerExamples,
  requestOf,
  type CandidateOptions,
  type ExampleOptions,
  type RankerExamples,
} from './ranker-data'
import type { Split } from '../data/split'

/** The training options the pipeline and the evaluation use unless told otherwise. */
export const RANKER_DEFAULTS = {
  fit: { seed: 42, architectures: [[], [16]], epochs: 8, learningRate: 0.005, l2: 1e-4 },
  examples: { negatives: 50, candidates: 400 },
  edgeSlate: 50,
} as const

type Lineage<T> = TrainedBundle & {
  metadata: ModelMetadata & { training: TrainedBundle['metadata']['training'] & T }
}

/** The trained ranker: its lineage adds the example counts and the sources' recall of the label items. */
export type TrainedRanker = Lineage<{ data: RankerExamples['stats'] }>

/** Fewest users with examples a ranker is trained from: below it, validation (a share of users) means nothing. */
export const MIN_RANKER_USERS = 5

/** Why these examples cannot train a ranker (too few users, no positive or no negative), or undefined. */
export function tooFewExamples(examples: RankerExamples): string | undefined {
  const { users, positives, negatives } = examples.stats
  if (users < MIN_RANKER_USERS || positives === 0 || negatives === 0)
    return `${users} users with examples (at least ${MIN_RANKER_USERS}), ${positives} positives, ${negatives} negatives`
  return undefined
}

/** Trains the ranker on point-in-time examples ({@link rankerExamples}) over the shared `RANKER_FEATURES`. */
export function trainRanker(
  examples: RankerExamples,
  options: Partial<FitOptions> = {},
): TrainedRanker {
  const fit = { ...RANKER_DEFAULTS.fit, ...options }
  const bundle = fitScoringModel(RANKER_FEATURES, examples, {
    ...fit,
    architectures: fit.architectures.map((h) => [...h]),
  })
  return {
    ...bundle,
    metadata: {
      ...bundle.metadata,
      training: { ...bundle.metadata.training, data: examples.stats },
    },
  }
}

export interface EdgeTrainingOptions extends CandidateOptions {
  /** Users sampled for rows (`MAX_TRAINING_USERS`). */
  maxUsers?: number
  /** Length of the cached slate the edge re-scores. */
  slateSize?: number
  fit?: Partial<FitOptions>
}

/** Edge rows: each user's ALS slate as the edge sees it (`edgeFeatures`), labelled by the user's label items. */
export function edgeExamples(
  a: RankerArtifacts,
  labels: readonly Interaction[],
  {
    slateSize = RANKER_DEFAULTS.edgeSlate,
    maxUsers = MAX_TRAINING_USERS,
    ...requestOptions
  }: EdgeTrainingOptions = {},
) {
  const wanted = labelSets(a, labels)
  const users = evenSample([...wanted.keys()].sort(), maxUsers)
  const features: Float32Array[] = []
  const ys: number[] = []
  const groups: number[] = []
  users.forEach((user, g) => {
    const { seen, subject } = requestOf(a, user, requestOptions)
    if (!subject.vector) return
    const slate = nearestScored(a, subject.vector, seen, slateSize)
    features.push(
      edgeFeatures(
        slate.map((s) => {
          const it = a.catalog.get(s.item_id)
          return {
            score: s.score,
            categories: it?.categories ?? [],
            published_at: it?.published_at,
          }
        }),
        subject.historyCategories,
        a.now,
      ),
    )
    for (const s of slate) {
      ys.push(wanted.get(user)!.has(s.item_id) ? 1 : 0)
      groups.push(g)
    }
  })
  const all = new Float32Array(ys.length * EDGE_FEATURE_COUNT)
  let at = 0
  for (const f of features) {
    all.set(f, at)
    at += f.length
  }
  return {
    rows: ys.length,
    features: all,
    labels: Uint8Array.from(ys),
    groups: Int32Array.from(groups),
  }
}

/** Edge rows: the output of {@link edgeExamples}. */
export type EdgeRows = ReturnType<typeof edgeExamples>

/**
 * Trains the edge model over the shared `EDGE_FEATURES`: it re-scores a user's cached slate, which the pipeline
 * scores by ALS, so its rows are ALS slates of the history part with the label items as positives
 * ({@link edgeExamples}).
 */
export function trainEdgeModel(rows: EdgeRows, options: Partial<FitOptions> = {}): TrainedBundle {
  const fit = { ...RANKER_DEFAULTS.fit, ...options }
  return fitScoringModel(EDGE_FEATURES, rows, {
    ...fit,
    architectures: fit.architectures.map((h) => [...h]),
  })
}

export interface TrainedModels {
  ranker: TrainedRanker
  edgeModel: TrainedBundle
  /** The artifacts of the history part the models were trained on, and both models' rows (for the parity gate). */
  artifacts: RankerArtifacts
  examples: RankerExamples
  edgeRows: EdgeRows
}

/**
 * The whole training step over a history/label `split` of the interactions: builds the artifacts of the history
 * part, the examples of both models, and trains them; `tooFew` (why) when there are too few examples to train.
 */
export function trainRankerModels(
  items: readonly DatasetItem[],
  split: Split,
  options: {
    artifacts?: RankerArtifactOptions
    examples?: ExampleOptions
    fit?: Partial<FitOptions>
    edge?: EdgeTrainingOptions
  } = {},
): TrainedModels | { tooFew: string } {
  const artifacts = rankerArtifacts(items, split.train, options.artifacts)
  const exampleOptions = { ...RANKER_DEFAULTS.examples, ...options.examples }
  const examples = rankerExamples(artifacts, split.test, exampleOptions)
  const tooFew = tooFewExamples(examples)
  if (tooFew) return { tooFew }
  const edgeRows = edgeExamples(artifacts, split.test, options.edge)
  return {
    ranker: trainRanker(examples, options.fit),
    edgeModel: trainEdgeModel(edgeRows, { ...options.fit, ...options.edge?.fit }),
    artifacts,
    examples,
    edgeRows,
  }
}
