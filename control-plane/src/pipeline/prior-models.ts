import { EDGE_FEATURES, RANKER_FEATURES } from '@recsys/shared'
import { linearModel, type ModelBundle } from '../model/bundle'

/**
 * The ranker until the batch pipeline trains one (issue 6): a logistic model over the shared ranker features with
 * hand-set weights — closeness to the user's taste and history first, then trend and popularity, a little for
 * freshness. A real ONNX file through the trainer's export code, the same bytes every run.
 */
export function priorRanker(): ModelBundle {
  return linearModel(
    RANKER_FEATURES,
    {
      user_item_dot: 3,
      i2i_max: 2,
      i2i_hits: 0.6,
      session_dot_max: 1.5,
      category_affinity: 1,
      trending: 0.8,
      popularity: 0.8,
      item_age: -0.5,
    },
    -2,
  )
}

/** The edge model until one is trained: keeps the cached order, lifted by the session's categories. */
export function priorEdgeModel(): ModelBundle {
  return linearModel(
    EDGE_FEATURES,
    { cached_score: 2, rank_reciprocal: 1, category_affinity: 1.5, item_age: -0.3 },
    -1.5,
  )
}
