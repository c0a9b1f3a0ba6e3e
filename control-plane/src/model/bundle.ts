import type { ModelMetadata } from '@recsys/shared'
import { buildMlp, type Mlp } from './mlp'
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
