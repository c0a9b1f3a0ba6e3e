import { seededRandom } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { auc, logLoss } from './classification-metrics'
import { buildMlp, forward, type Activation } from './mlp'
import { lossAndGradients, toParams, trainMlp, type Params } from './train'

/** Two Gaussian-ish blobs in 3 features with very different scales and offsets; label = which blob. */
function blobs(rows: number, seed: number, gap = 3) {
  const rand = seededRandom(seed)
  const x = new Float32Array(rows * 3)
  const y = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    const label = r % 2
    y[r] = label
    const noise = () => rand() + rand() + rand() - 1.5
    x[r * 3] = 1000 + 100 * (noise() + (label ? gap : 0))
    x[r * 3 + 1] = 0.01 * noise()
    x[r * 3 + 2] = -5 + noise() - (label ? gap : 0)
  }
  return { x, y }
}

describe('trainMlp', () => {
  it('lowers the loss epoch after epoch and learns a separable problem (AUC ≈ 1) on raw features', () => {
    const { x, y } = blobs(400, 1)
    for (const hidden of [[], [8]]) {
      const seen: number[] = []
      const { mlp, losses } = trainMlp(x, y, 400, {
        hidden,
        seed: 3,
        epochs: 15,
        batchSize: 32,
        learningRate: 0.05,
        onEpoch: (_, loss) => seen.push(loss),
      })
      expect(seen).toEqual(losses)
      expect(losses).toHaveLength(15)
      expect(losses[14]!).toBeLessThan(losses[0]! / 3)
      // The exported model takes the raw (unstandardised) features: the scaling is folded in.
      const held = blobs(200, 2)
      const p = forward(mlp, held.x, 200)
      expect(auc(p, held.y)).toBeGreaterThan(0.999)
      expect(logLoss(p, held.y)).toBeLessThan(0.1)
    }
  })

  it('gives bit-identical weights for the same data and seed, and others for another seed', () => {
    const { x, y } = blobs(300, 4, 0.5)
    const opts = { hidden: [6], epochs: 3, batchSize: 16 }
    const a = trainMlp(x, y, 300, { ...opts, seed: 9 })
    const b = trainMlp(x, y, 300, { ...opts, seed: 9 })
    const c = trainMlp(x, y, 300, { ...opts, seed: 10 })
    expect(a.mlp).toEqual(b.mlp)
    expect(a.losses).toEqual(b.losses)
    expect(a.mlp.layers[0]!.weights).not.toEqual(c.mlp.layers[0]!.weights)
  })

  it('folds the standardisation in: rescaled, shifted features give the same model of the raw input', () => {
    const { x, y } = blobs(200, 5, 1)
    const moved = x.map((v, i) => (i % 3 === 0 ? v / 50 - 7 : i % 3 === 1 ? v * 300 + 2 : v))
    const opts = { hidden: [4], seed: 1, epochs: 3 }
    const a = forward(trainMlp(x, y, 200, opts).mlp, x, 200)
    const b = forward(trainMlp(moved, y, 200, opts).mlp, moved, 200)
    a.forEach((p, i) => expect(p).toBeCloseTo(b[i]!, 4))
    // Without standardisation the scales matter (and the 1000-offset feature swamps the others).
    const c = forward(trainMlp(x, y, 200, { ...opts, standardize: false }).mlp, x, 200)
    expect(auc(a, y)).toBeGreaterThan(auc(c, y))
  })

  it('refuses labels that do not match the rows', () => {
    expect(() => trainMlp(new Float32Array(6), [0, 1], 3, { seed: 1 })).toThrow(/rows/)
  })
})

describe('lossAndGradients', () => {
  /** Central finite differences of the loss in every parameter. */
  function numeric(params: Params, x: Float64Array, y: number[], l2: number) {
    const h = 1e-6
    return params.layers.map((l) =>
      [l.weights, l.bias].map((t) =>
        Array.from(t, (v, i) => {
          t[i] = v + h
          const up = lossAndGradients(params, x, y, y.length, l2).loss
          t[i] = v - h
          const down = lossAndGradients(params, x, y, y.length, l2).loss
          t[i] = v
          return (up - down) / (2 * h)
        }),
      ),
    )
  }

  it.each<[string, Activation, 'sigmoid' | 'none']>([
    ['relu', 'relu', 'sigmoid'],
    ['sigmoid', 'sigmoid', 'sigmoid'],
    ['none', 'none', 'none'],
  ])('agrees with finite differences through %s hidden layers', (_, hiddenAct, output) => {
    const base = buildMlp({ inputDim: 3, hidden: [4, 3], seed: 11, output })
    const params = toParams(base)
    for (const l of params.layers.slice(0, -1)) l.activation = hiddenAct
    const rand = seededRandom(5)
    const x = Float64Array.from({ length: 5 * 3 }, () => rand() * 4 - 2)
    const y = [1, 0, 0, 1, 1]
    const { gradients } = lossAndGradients(params, x, y, 5, 0.01)
    const expected = numeric(params, x, y, 0.01)
    gradients.layers.forEach((g, k) => {
      ;[g.weights, g.bias].forEach((t, w) =>
        t.forEach((v, i) => expect(v).toBeCloseTo(expected[k]![w]![i]!, 6)),
      )
    })
    // Not a vacuous check: the gradient is not zero everywhere.
    expect(gradients.layers[0]!.weights.some((v) => Math.abs(v) > 1e-4)).toBe(true)
  })
})
