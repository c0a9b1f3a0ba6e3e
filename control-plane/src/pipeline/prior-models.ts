import { EDGE_FEATURES, RANKER_FEATURES } from '@recsys/shared'
import { buildModelBundle, type ModelBundle } from '../model/bundle'
import type { Mlp } from '../model/mlp'

/** A logistic model (one Dense layer, sigmoid) with the given weight per feature and a bias. */
function logistic(features: readonly string[], weights: Record<string, number>, bias: number): Mlp {
  for (const name of Object.keys(weights))
    if (!features.includes(name)) throw new Error(`unknown feature ${name}`)
  return {
    layers: [
      {
        inputs: features.length,
        outputs: 1,
        weights: Float32Array.from(features, (f) => weights[f] ?? 0),
        bias: Float32Array.of(bias),
        activation: 'sigmoid',
      },
    ],
  }
}

/**
 * The ranker until the batch pipeline trains one (issue 6): a logistic model over the shared ranker features with
 * hand-set weights — closeness to the user's taste and history first, then trend and popularity, a little for
 * freshness. A real ONNX file through the trainer's export code, the same bytes every run.
 */
export function priorRanker(): ModelBundle {
  const mlp = logistic(
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
  return buildModelBundle({ features: RANKER_FEATURES, hidden: [], seed: 0, mlp })
}

/** The edge model until one is trained: keeps the cached order, lifted by the session's categories. */
export function priorEdgeModel(): ModelBundle {
  const mlp = logistic(
    EDGE_FEATURES,
    { cached_score: 2, rank_reciprocal: 1, category_affinity: 1.5, item_age: -0.3 },
    -1.5,
  )
  return buildModelBundle({ features: EDGE_FEATURES, hidden: [], seed: 0, mlp })
}
