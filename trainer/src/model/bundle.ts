import type { ModelMetadata } from '@recsys/shared'
import { buildMlp, type Activation, type Mlp } from './mlp'
import { exportMlpToOnnx } from './onnx-export'

export interface ModelBundle {
  mlp: Mlp
  /** The ONNX bytes (input `features` [N, F], output `score` [N, 1]). */
  onnx: Uint8Array
  /** Registry metadata: the feature schema the graph matches and the calibration. */
  metadata: ModelMetadata
}

/**
 * A ranker over `features` (column order) built deterministically from `seed` and exported to ONNX with the
 * trainer's export code: until the batch pipeline trains models, this is the model bundle the pipeline and the
 * scorer's tests publish. Same options → same bytes → same artifact version.
 */
export function buildModelBundle(opts: {
  features: readonly string[]
  hidden: number[]
  seed: number
  calibration?: ModelMetadata['calibration']
  mlp?: Mlp
}): ModelBundle {
  const mlp =
    opts.mlp ?? buildMlp({ inputDim: opts.features.length, hidden: opts.hidden, seed: opts.seed })
  const onnx = exportMlpToOnnx(mlp)
  return {
    mlp,
    onnx,
    metadata: {
      feature_schema: {
        features: [...opts.features],
        inputs: [{ name: 'features', type: 'float32', dims: [-1, opts.features.length] }],
        outputs: [{ name: 'score', type: 'float32', dims: [-1, 1] }],
      },
      calibration: opts.calibration ?? { kind: 'none', a: 1, b: 0 },
      score_range: [0, 1],
    },
  }
}

/**
 * A one-layer model over `features` with a named weight per feature (the others 0) and a bias: the prior models
 * and the tests' hand-set rankers.
 */
export function linearModel(
  features: readonly string[],
  weights: Record<string, number>,
  bias: number,
  activation: Exclude<Activation, 'relu'> = 'sigmoid',
): ModelBundle {
  for (const name of Object.keys(weights))
    if (!features.includes(name)) throw new Error(`unknown feature ${name}`)
  const mlp: Mlp = {
    layers: [
      {
        inputs: features.length,
        outputs: 1,
        weights: Float32Array.from(features, (f) => weights[f] ?? 0),
        bias: Float32Array.of(bias),
        activation,
      },
    ],
  }
  return buildModelBundle({ features, hidden: [], seed: 0, mlp })
}
