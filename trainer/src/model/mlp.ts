import { seededRandom } from '@recsys/shared'

export type Activation = 'relu' | 'sigmoid' | 'none'

/** One fully connected layer: `y = activation(x · weights + bias)`. */
export interface DenseLayer {
  inputs: number
  outputs: number
  /** Row-major `[inputs × outputs]`: `weights[i * outputs + j]` links input i to output j. */
  weights: Float32Array
  /** `[outputs]`. */
  bias: Float32Array
  activation: Activation
}

/**
 * A plain multi-layer perceptron: the ranker the batch pipeline trains and exports to ONNX.
 * @note Layer k's `outputs` equals layer k+1's `inputs`; {@link assertMlp} checks it.
 */
export interface Mlp {
  layers: DenseLayer[]
}

export interface BuildMlpOptions {
  /** Feature width: the number of input columns. */
  inputDim: number
  /** Widths of the hidden layers (ReLU), in order; may be empty (a linear model). */
  hidden: number[]
  seed: number
  /** Activation of the single output unit. */
  output?: 'sigmoid' | 'none'
}

/**
 * A freshly initialised MLP, the same for the same options: Xavier-uniform weights in ±√(6 / (in + out)) and
 * small uniform biases in ±0.1 (not zero, so the bias path is exercised before any training).
 */
export function buildMlp({ inputDim, hidden, seed, output = 'sigmoid' }: BuildMlpOptions): Mlp {
  const rand = seededRandom(seed)
  const widths = [inputDim, ...hidden, 1]
  const layers: DenseLayer[] = []
  for (let k = 0; k + 1 < widths.length; k++) {
    const inputs = widths[k]!
    const outputs = widths[k + 1]!
    const limit = Math.sqrt(6 / (inputs + outputs))
    const weights = Float32Array.from({ length: inputs * outputs }, () => (rand() * 2 - 1) * limit)
    const bias = Float32Array.from({ length: outputs }, () => (rand() * 2 - 1) * 0.1)
    const activation = k + 2 === widths.length ? output : 'relu'
    layers.push({ inputs, outputs, weights, bias, activation })
  }
  const mlp = { layers }
  assertMlp(mlp)
  return mlp
}

/** Throws when the layers do not chain or a buffer has the wrong length (a bug in whoever built it). */
export function assertMlp(mlp: Mlp): void {
  if (mlp.layers.length === 0) throw new Error('an MLP needs at least one layer')
  mlp.layers.forEach((l, k) => {
    if (!(
      l.inputs > 0 &&
      l.outputs > 0 &&
      Number.isInteger(l.inputs) &&
      Number.isInteger(l.outputs)
    ))
      throw new Error(`layer ${k}: inputs and outputs must be positive integers`)
    if (l.weights.length !== l.inputs * l.outputs)
      throw new Error(`layer ${k}: ${l.weights.length} weights for ${l.inputs}×${l.outputs}`)
    if (l.bias.length !== l.outputs)
      throw new Error(`layer ${k}: ${l.bias.length} biases for ${l.outputs} outputs`)
    const prev = mlp.layers[k - 1]
    if (prev && prev.outputs !== l.inputs)
      throw new Error(
        `layer ${k} takes ${l.inputs} inputs but layer ${k - 1} gives ${prev.outputs}`,
      )
  })
}

/** Input width of the MLP (its feature count). */
export const inputDim = (mlp: Mlp): number => mlp.layers[0]!.inputs

/** Output width of the MLP (1 for a ranker). */
export const outputDim = (mlp: Mlp): number => mlp.layers[mlp.layers.length - 1]!.outputs

function activate(x: number, activation: Activation): number {
  if (activation === 'relu') return Math.max(0, x) // NaN stays NaN
  if (activation === 'sigmoid') return 1 / (1 + Math.exp(-x))
  return x
}

/**
 * The reference forward pass: `batch` is row-major `[rows × inputDim]`, the result `[rows × outputDim]`.
 * Sums run in float64; each pre-activation and activation is rounded to float32, where ONNX Runtime stores them.
 */
export function forward(mlp: Mlp, batch: Float32Array, rows: number): Float32Array {
  assertMlp(mlp)
  if (batch.length !== rows * inputDim(mlp))
    throw new Error(`batch has ${batch.length} values, expected ${rows}×${inputDim(mlp)}`)
  let x = batch
  for (const { inputs, outputs, weights, bias, activation } of mlp.layers) {
    const y = new Float32Array(rows * outputs)
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < outputs; j++) {
        let sum = bias[j]!
        for (let i = 0; i < inputs; i++) sum += x[r * inputs + i]! * weights[i * outputs + j]!
        y[r * outputs + j] = activate(Math.fround(sum), activation)
      }
    }
    x = y
  }
  return x
}
