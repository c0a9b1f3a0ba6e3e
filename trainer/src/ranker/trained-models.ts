import { err, ok, type Result } from '@recsys/shared'
import type { TrainedBundle } from '../model/fit'
import { checkParity, type ParityCheck } from '../model/parity'
import { catalogInteractions, type Dataset } from '../data/dataset'
import { trainRankerModels, type TrainedRanker } from './ranker'
import { ALS_PARAMS, type AlsModel } from '../recommenders/als'
import { leaveLastN, type Split } from '../data/split'

export interface ReleaseModels {
  ranker: TrainedRanker
  edgeModel: TrainedBundle
  parity: { ranker: ParityCheck; edge_model: ParityCheck }
}

export interface ReleaseModelOptions {
  seed?: number
  /** Embedding width (ALS factors). */
  dims?: number
  /** Per user, the latest this-many interactions are the training labels; the earlier ones the history. */
  labelsPerUser?: number
  /** Rows of the parity gate, taken from the start of each model's training rows. */
  parityRows?: number
  /** The labels split (leave-last-`labelsPerUser` of the catalog's interactions), when the caller made it. */
  split?: Split
  /** What the caller's `split` holds out, for progress lines and errors (its labels are not "each user's last n"). */
  splitDescription?: string
  /** ALS already trained on `split.train` with the pipeline's settings (trained here otherwise). */
  alsModel?: AlsModel
  say?: (msg: string) => void
}

/**
 * The trained models of a release: the ranker and edge model trained on point-in-time examples (history = all but
 * each user's last `labelsPerUser` interactions, with ALS of the pipeline's settings trained on the history), and
 * the parity gate on both models. An `err` when a model's ONNX disagrees with its TypeScript forward.
 * @note The index the ranker serves with holds ALS factors trained the same way on every interaction (run.ts).
 */
export async function releaseModels(
  data: Dataset,
  {
    seed = 42,
    dims = 32,
    labelsPerUser = 5,
    parityRows = 1024,
    split,
    splitDescription,
    alsModel,
    say = () => undefined,
  }: ReleaseModelOptions = {},
): Promise<
  Result<ReleaseModels, { code: 'PARITY' | 'BAD_REQUEST'; message: string; details: unknown }>
> {
  const interactions = catalogInteractions(data)
  const als = { ...ALS_PARAMS, factors: dims, seed }
  const labels = split
    ? `the held-out side of ${splitDescription ?? "the caller's split"}`
    : `each user's last ${labelsPerUser}`
  say(`training the ranker and edge model (labels: ${labels})`)
  const history = split ?? leaveLastN(interactions, { n: labelsPerUser })
  const trained = trainRankerModels(data.items, history, {
    artifacts: alsModel ? { alsModel } : { als },
    examples: { seed },
    fit: { seed },
  })
  if ('tooFew' in trained)
    return err({
      code: 'BAD_REQUEST',
      message: `too little data to train the ranker: ${trained.tooFew}; labels are ${labels}, and each user needs history before them`,
      details: trained.tooFew,
    })
  const { ranker, edgeModel, examples, edgeRows } = trained
  say(
    `ranker: ${examples.rows} rows, validation AUC ${ranker.metadata.training.validation.auc.toFixed(3)}; ` +
      `edge model: ${edgeRows.rows} rows, AUC ${edgeModel.metadata.training.validation.auc.toFixed(3)}`,
  )
  const parity = {
    ranker: await gate(ranker, examples, parityRows),
    edge_model: await gate(edgeModel, edgeRows, parityRows),
  }
  for (const [name, p] of Object.entries(parity))
    if (!p.ok)
      return err({ code: 'PARITY', message: `${name}: ${p.message}`, details: p.offending })
  return ok({ ranker, edgeModel, parity })
}

function gate(bundle: TrainedBundle, rows: { rows: number; features: Float32Array }, max: number) {
  const n = Math.min(max, rows.rows)
  const width = bundle.metadata.feature_schema.features.length
  return checkParity(bundle, rows.features.subarray(0, n * width), n)
}
