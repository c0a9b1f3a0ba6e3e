import { describe, expect, it } from 'vitest'
import { assertMlp, buildMlp, forward, type Mlp } from './mlp'

describe('buildMlp', () => {
  it('is deterministic in its seed', () => {
    const a = buildMlp({ inputDim: 6, hidden: [5, 3], seed: 7 })
    const b = buildMlp({ inputDim: 6, hidden: [5, 3], seed: 7 })
    const c = buildMlp({ inputDim: 6, hidden: [5, 3], seed: 8 })
    expect(a).toEqual(b)
    expect(a.layers[0]!.weights).not.toEqual(c.layers[0]!.weights)
  })

  it('chains the widths, ReLU inside, one output unit with the chosen activation', () => {
    const mlp = buildMlp({ inputDim: 6, hidden: [5, 3], seed: 1, output: 'none' })
    expect(mlp.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [6, 5, 'relu'],
      [5, 3, 'relu'],
      [3, 1, 'none'],
    ])
    expect(buildMlp({ inputDim: 4, hidden: [], seed: 1 }).layers).toHaveLength(1)
  })

  it('draws weights within the Xavier bound and biases within ±0.1, not all zero', () => {
    const mlp = buildMlp({ inputDim: 30, hidden: [20], seed: 3 })
    for (const l of mlp.layers) {
      const limit = Math.sqrt(6 / (l.inputs + l.outputs))
      expect(Math.max(...l.weights.map(Math.abs))).toBeLessThanOrEqual(limit)
      expect(Math.max(...l.weights.map(Math.abs))).toBeGreaterThan(limit / 2)
      expect(Math.max(...l.bias.map(Math.abs))).toBeLessThanOrEqual(0.1)
      expect(l.bias.some((b) => b !== 0)).toBe(true)
    }
  })
})

describe('forward', () => {
  // 2 inputs → 2 hidden (ReLU) → 1 output (none), weights row-major [in × out].
  const mlp: Mlp = {
    layers: [
      {
        inputs: 2,
        outputs: 2,
        weights: Float32Array.of(1, -1, 2, 0.5),
        bias: Float32Array.of(0, 1),
        activation: 'relu',
      },
      {
        inputs: 2,
        outputs: 1,
        weights: Float32Array.of(3, -2),
        bias: Float32Array.of(0.25),
        activation: 'none',
      },
    ],
  }

  it('computes x · W + b per layer, row by row', () => {
    // row 0 (1, 1): hidden = relu(1 + 2, -1 + 0.5 + 1) = (3, 0.5); out = 9 - 1 + 0.25 = 8.25
    // row 1 (-2, 0): hidden = relu(-2, 2 + 1) = (0, 3); out = 0 - 6 + 0.25 = -5.75
    expect([...forward(mlp, Float32Array.of(1, 1, -2, 0), 2)]).toEqual([8.25, -5.75])
  })

  it('applies the sigmoid and lets NaN through', () => {
    const sig: Mlp = { layers: [{ ...mlp.layers[1]!, activation: 'sigmoid' }] }
    expect(forward(sig, Float32Array.of(0, 0), 1)[0]).toBeCloseTo(1 / (1 + Math.exp(-0.25)), 6)
    expect(forward(mlp, Float32Array.of(NaN, 0), 1)[0]).toBeNaN()
  })

  it('rejects a batch of the wrong size', () => {
    expect(() => forward(mlp, Float32Array.of(1, 2, 3), 2)).toThrow(/expected 2×2/)
  })
})

describe('assertMlp', () => {
  const layer = (inputs: number, outputs: number) => ({
    inputs,
    outputs,
    weights: new Float32Array(inputs * outputs),
    bias: new Float32Array(outputs),
    activation: 'relu' as const,
  })

  it.each([
    ['no layers', { layers: [] }, /at least one layer/],
    ['layers that do not chain', { layers: [layer(3, 2), layer(4, 1)] }, /takes 4 inputs/],
    ['short weights', { layers: [{ ...layer(3, 2), weights: new Float32Array(5) }] }, /5 weights/],
    ['short bias', { layers: [{ ...layer(3, 2), bias: new Float32Array(1) }] }, /1 biases/],
    ['a zero width', { layers: [layer(0, 2)] }, /positive integers/],
  ])('rejects %s', (_, mlp, message) => {
    expect(() => assertMlp(mlp)).toThrow(message)
  })
})
