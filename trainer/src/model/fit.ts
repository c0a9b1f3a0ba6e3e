import { seededRandom, type ModelMetadata } from '@recsys/shared'
import { buildModelBundle, type ModelBundle } from './bundle'
import { auc, logLoss } from './classification-metrics'
import { forward } from './mlp'
import { trainMlp, type TrainOptions } from './train'

/** Rows to train a scoring model on: features, 0/1 labels, and the request (group) each row belongs to. */
export interface LabelledRows {
  rows: number
  /** Row-major `[rows × features.length]`. */
  features: Float32Array
  labels: ArrayLike<number>
  /** Group (user) of each row: validation holds out whole groups, and GAUC averages over them. */
  groups: ArrayLike<number>
}

export interface FitOptions extends Omit<TrainOptions, 'hidden' | 'onEpoch'> {
  /** Hidden layer widths tried; the best validation GAUC wins (ties: the first). */
  architectures?: number[][]
  /** Share of groups held out for validation. */
  validationShare?: number
  onEpoch?: (hidden: number[], epoch: number, loss: number) => void
}

export interface ValidationScores {
  /** Pooled ROC AUC. */
  auc: number
  /** Mean per-group AUC over groups with both labels: how well each request's candidates are ordered. */
  gauc: number
  logloss: number
}

/** How a trained model came to be: stamped into its metadata as `training`. */
export interface TrainingLineage {
  trainer: 'mlp-bce-adam@1'
  seed: number
  params: Required<Omit<FitOptions, 'onEpoch' | 'seed'>>
  hidden: number[]
  examples: { train: number; validation: number; positives: number; groups: number }
  validation: ValidationScores
  /** Every architecture tried, with its validation scores. */
  tried: Array<{ hidden: number[] } & ValidationScores>
  /** Mean training loss per epoch of the chosen model. */
  losses: number[]
}

export type TrainedBundle = ModelBundle & {
  metadata: ModelMetadata & { training: TrainingLineage }
}

/** Validation scores of some predictions against labels grouped by request. */
export function validationScores(
  p: Float32Array,
  labels: ArrayLike<number>,
  groups: ArrayLike<number>,
): ValidationScores {
  const byGroup = new Map<number, number[]>()
  for (let i = 0; i < p.length; i++) {
    const g = byGroup.get(groups[i]!) ?? []
    byGroup.set(groups[i]!, g)
    g.push(i)
  }
  const per: number[] = []
  for (const rows of byGroup.values()) {
    const ys = rows.map((i) => labels[i]!)
    if (ys.some((y) => y > 0.5) && ys.some((y) => y < 0.5))
      per.push(
        auc(
          rows.map((i) => p[i]!),
          ys,
        ),
      )
  }
  return {
    auc: auc(p, labels),
    gauc: per.length ? per.reduce((a, b) => a + b, 0) / per.length : 0.5,
    logloss: logLoss(p, labels),
  }
}

/** Rows of `data` whose group `keep` accepts, as a new {@link LabelledRows}. */
function subset(data: LabelledRows, width: number, keep: (group: number) => boolean): LabelledRows {
  const idx: number[] = []
  for (let i = 0; i < data.rows; i++) if (keep(data.groups[i]!)) idx.push(i)
  const features = new Float32Array(idx.length * width)
  idx.forEach((r, i) => features.set(data.features.subarray(r * width, (r + 1) * width), i * width))
  return {
    rows: idx.length,
    features,
    labels: Float64Array.from(idx, (r) => data.labels[r]!),
    groups: Int32Array.from(idx, (r) => data.groups[r]!),
  }
}

/**
 * Trains one model per architecture on the groups outside a seeded validation share, keeps the one with the best
 * validation GAUC, and bundles it (ONNX over `features`, sigmoid output) with its {@link TrainingLineage}.
 * @note The published model is the one validated (not refitted on all rows), so the lineage's scores are its own.
 */
export function fitScoringModel(
  features: readonly string[],
  data: LabelledRows,
  {
    architectures = [[], [16]],
    validationShare = 0.2,
    seed,
    epochs = 10,
    batchSize = 256,
    learningRate = 0.005,
    l2 = 1e-4,
    standardize = true,
    onEpoch,
  }: FitOptions,
): TrainedBundle {
  const width = features.length
  if (data.features.length !== data.rows * width)
    throw new Error(`${data.features.length} feature values for ${data.rows} rows × ${width}`)
  const groups = [...new Set(Array.from(data.groups))].sort((a, b) => a - b)
  const rand = seededRandom(seed ^ 0x5a11d)
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[groups[i], groups[j]] = [groups[j]!, groups[i]!]
  }
  const held = new Set(groups.slice(0, Math.round(groups.length * validationShare)))
  const train = subset(data, width, (g) => !held.has(g))
  const validation = subset(data, width, (g) => held.has(g))
  if (train.rows === 0 || validation.rows === 0)
    throw new Error(`fitScoringModel: ${train.rows} train and ${validation.rows} validation rows`)
  const params = { epochs, batchSize, learningRate, l2, standardize }
  const tried = architectures.map((hidden) => {
    const fit = trainMlp(train.features, train.labels, train.rows, {
      ...params,
      hidden,
      seed,
      onEpoch: onEpoch && ((e, loss) => onEpoch(hidden, e, loss)),
    })
    const p = forward(fit.mlp, validation.features, validation.rows)
    return { hidden, fit, scores: validationScores(p, validation.labels, validation.groups) }
  })
  const best = tried.reduce((a, b) => (b.scores.gauc > a.scores.gauc ? b : a))
  let positives = 0
  for (let i = 0; i < data.rows; i++) positives += data.labels[i]! > 0.5 ? 1 : 0
  const bundle = buildModelBundle({ features, hidden: best.hidden, seed, mlp: best.fit.mlp })
  const training: TrainingLineage = {
    trainer: 'mlp-bce-adam@1',
    seed,
    params: { ...params, architectures, validationShare },
    hidden: best.hidden,
    examples: {
      train: train.rows,
      validation: validation.rows,
      positives,
      groups: groups.length,
    },
    validation: best.scores,
    tried: tried.map((t) => ({ hidden: t.hidden, ...t.scores })),
    losses: best.fit.losses,
  }
  return { ...bundle, metadata: { ...bundle.metadata, training } }
}
