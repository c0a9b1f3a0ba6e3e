import { seededRandom } from '@recsys/shared'
import { buildMlp, type Activation, type Mlp } from './mlp'

/** An MLP's parameters in float64, as the trainer updates them (the exported {@link Mlp} rounds to float32). */
export interface Params {
  layers: Array<{
    inputs: number
    outputs: number
    /** Row-major `[inputs × outputs]`, as in {@link Mlp}. */
    weights: Float64Array
    bias: Float64Array
    activation: Activation
  }>
}

export interface TrainOptions {
  /** Widths of the hidden (ReLU) layers; empty for logistic regression. */
  hidden?: number[]
  /** Seeds the initial weights and the mini-batch order. */
  seed: number
  epochs?: number
  batchSize?: number
  /** Adam's step size. */
  learningRate?: number
  /** L2 penalty on the weights (not the biases), `l2 / 2 · Σ w²` added to the mean loss. */
  l2?: number
  /** Train on standardised features; the scaling is folded into the first layer, so the model takes raw ones. */
  standardize?: boolean
  /** Called after each epoch with the mean loss (cross-entropy + L2) of its mini-batches, each before its step. */
  onEpoch?: (epoch: number, loss: number) => void
}

export interface TrainedMlp {
  mlp: Mlp
  /** Per epoch, what `onEpoch` was given. */
  losses: number[]
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 }

/** Float64 copy of an {@link Mlp}. */
export function toParams(mlp: Mlp): Params {
  return {
    layers: mlp.layers.map((l) => ({
      inputs: l.inputs,
      outputs: l.outputs,
      weights: Float64Array.from(l.weights),
      bias: Float64Array.from(l.bias),
      activation: l.activation,
    })),
  }
}

/** `log(1 + e^z)` without overflow. */
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))

/**
 * Mean binary cross-entropy of `rows` examples plus `l2 / 2 · Σ w²`, and its gradient by backpropagation.
 * The output unit's pre-activation is the logit whether the last layer is `sigmoid` or `none` (a logit model).
 * @note `x` is row-major `[rows × inputs]`, `y` holds 0/1 labels.
 */
export function lossAndGradients(
  params: Params,
  x: Float64Array,
  y: ArrayLike<number>,
  rows: number,
  l2 = 0,
): { loss: number; gradients: Params } {
  const L = params.layers
  const last = L[L.length - 1]!
  if (last.outputs !== 1 || last.activation === 'relu')
    throw new Error('the output layer must be one sigmoid or linear unit')
  // Forward, keeping every layer's pre-activations (z) and activations (a).
  const acts: Float64Array[] = [x]
  const pre: Float64Array[] = []
  for (const { inputs, outputs, weights, bias, activation } of L) {
    const a = acts[acts.length - 1]!
    const z = new Float64Array(rows * outputs)
    const out = new Float64Array(rows * outputs)
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < outputs; j++) {
        let s = bias[j]!
        for (let i = 0; i < inputs; i++) s += a[r * inputs + i]! * weights[i * outputs + j]!
        z[r * outputs + j] = s
        out[r * outputs + j] =
          activation === 'relu'
            ? Math.max(0, s)
            : activation === 'sigmoid'
              ? 1 / (1 + Math.exp(-s))
              : s
      }
    pre.push(z)
    acts.push(out)
  }
  const logits = pre[pre.length - 1]!
  let loss = 0
  // dLoss/dz of the output unit: sigmoid(z) − y, over the batch mean.
  let dz = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    const z = logits[r]!
    loss += softplus(z) - y[r]! * z
    dz[r] = (1 / (1 + Math.exp(-z)) - y[r]!) / rows
  }
  loss /= rows
  const gradients: Params = { layers: [] }
  for (let k = L.length - 1; k >= 0; k--) {
    const { inputs, outputs, weights } = L[k]!
    const a = acts[k]!
    const gw = new Float64Array(inputs * outputs)
    const gb = new Float64Array(outputs)
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < outputs; j++) {
        const d = dz[r * outputs + j]!
        if (d === 0) continue
        gb[j]! += d
        for (let i = 0; i < inputs; i++) gw[i * outputs + j]! += a[r * inputs + i]! * d
      }
    for (let w = 0; w < weights.length; w++) {
      gw[w]! += l2 * weights[w]!
      loss += (l2 / 2) * weights[w]! ** 2
    }
    gradients.layers.unshift({ ...L[k]!, weights: gw, bias: gb })
    if (k === 0) break
    // Into the previous layer: dA = dZ · Wᵀ, then through its activation.
    const below = L[k - 1]!
    const z = pre[k - 1]!
    const out = acts[k]!
    const next = new Float64Array(rows * inputs)
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < inputs; i++) {
        let s = 0
        for (let j = 0; j < outputs; j++) s += dz[r * outputs + j]! * weights[i * outputs + j]!
        const at = r * inputs + i
        next[at] =
          below.activation === 'relu'
            ? z[at]! > 0
              ? s
              : 0
            : below.activation === 'sigmoid'
              ? s * out[at]! * (1 - out[at]!)
              : s
      }
    dz = next
  }
  return { loss, gradients }
}

/** Per column: mean and a scale (standard deviation, 1 for a constant column). */
function columnStats(x: Float32Array, rows: number, cols: number) {
  const mean = new Float64Array(cols)
  const scale = new Float64Array(cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]!
  for (let c = 0; c < cols; c++) mean[c]! /= rows
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) scale[c]! += (x[r * cols + c]! - mean[c]!) ** 2
  for (let c = 0; c < cols; c++) {
    const sd = Math.sqrt(scale[c]! / rows)
    scale[c] = sd > 1e-9 ? sd : 1
  }
  return { mean, scale }
}

/**
 * Trains an MLP with one sigmoid output on 0/1 labels: binary cross-entropy, mini-batch Adam, L2 on the weights.
 * `x` is row-major `[rows × features]` of raw feature values.
 * @note Deterministic: the same data, options and seed give bit-identical weights (float64 arithmetic in a fixed
 * order; the seed draws the initial weights, as {@link buildMlp}, and each epoch's shuffle).
 * @note With `standardize`, `(x − mean) / sd` is folded into the first layer (`W / sd`, `b − Σ W · mean / sd`), so
 * the returned model, and its ONNX export, take raw features.
 */
export function trainMlp(
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  {
    hidden = [],
    seed,
    epochs = 20,
    batchSize = 256,
    learningRate = 0.01,
    l2 = 1e-4,
    standardize = true,
    onEpoch,
  }: TrainOptions,
): TrainedMlp {
  if (!(rows > 0) || x.length % rows !== 0 || y.length !== rows)
    throw new Error(`trainMlp: ${x.length} values and ${y.length} labels for ${rows} rows`)
  const cols = x.length / rows
  const { mean, scale } = standardize
    ? columnStats(x, rows, cols)
    : { mean: new Float64Array(cols), scale: new Float64Array(cols).fill(1) }
  const xs = new Float64Array(x.length)
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) xs[r * cols + c] = (x[r * cols + c]! - mean[c]!) / scale[c]!

  const params = toParams(buildMlp({ inputDim: cols, hidden, seed }))
  const tensors = params.layers.flatMap((l) => [l.weights, l.bias])
  const m = tensors.map((t) => new Float64Array(t.length))
  const v = tensors.map((t) => new Float64Array(t.length))
  const rand = seededRandom(seed ^ 0x7a11)
  const order = Int32Array.from({ length: rows }, (_, i) => i)
  const losses: number[] = []
  let step = 0
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    let sum = 0
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start)
      const bx = new Float64Array(n * cols)
      const by = new Float64Array(n)
      for (let r = 0; r < n; r++) {
        const src = order[start + r]!
        bx.set(xs.subarray(src * cols, (src + 1) * cols), r * cols)
        by[r] = y[src]!
      }
      const { loss, gradients } = lossAndGradients(params, bx, by, n, l2)
      sum += loss * n
      step++
      const c1 = 1 - ADAM.beta1 ** step
      const c2 = 1 - ADAM.beta2 ** step
      gradients.layers
        .flatMap((l) => [l.weights, l.bias])
        .forEach((g, t) => {
          const p = tensors[t]!
          const mt = m[t]!
          const vt = v[t]!
          for (let i = 0; i < p.length; i++) {
            mt[i] = ADAM.beta1 * mt[i]! + (1 - ADAM.beta1) * g[i]!
            vt[i] = ADAM.beta2 * vt[i]! + (1 - ADAM.beta2) * g[i]! ** 2
            p[i]! -= (learningRate * (mt[i]! / c1)) / (Math.sqrt(vt[i]! / c2) + ADAM.eps)
          }
        })
    }
    losses.push(sum / rows)
    onEpoch?.(epoch, sum / rows)
  }
  return { mlp: foldStandardization(params, mean, scale), losses }
}

/** The float32 model of `params` trained on `(x − mean) / scale`, taking raw `x`. */
function foldStandardization(params: Params, mean: Float64Array, scale: Float64Array): Mlp {
  return {
    layers: params.layers.map((l, k) => {
      if (k > 0)
        return { ...l, weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) }
      const weights = new Float32Array(l.weights.length)
      const bias = Float64Array.from(l.bias)
      for (let i = 0; i < l.inputs; i++)
        for (let j = 0; j < l.outputs; j++) {
          const w = l.weights[i * l.outputs + j]! / scale[i]!
          weights[i * l.outputs + j] = w
          bias[j]! -= w * mean[i]!
        }
      return { ...l, weights, bias: Float32Array.from(bias) }
    }),
  }
}
