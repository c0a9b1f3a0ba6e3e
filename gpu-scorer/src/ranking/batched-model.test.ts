import { RANKER_FEATURE_COUNT as F } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import type { RankerModel } from '../artifacts/ranker-model'
import { BatchedModel } from './batched-model'

/** A model whose output is the sum of its row; records the rows of each batch. */
function summing() {
  const batches: number[] = []
  const model = {
    provider: 'cpu',
    async predict(features: Float32Array, rows: number) {
      batches.push(rows)
      const out = new Float32Array(rows)
      for (let r = 0; r < rows; r++) for (let k = 0; k < F; k++) out[r]! += features[r * F + k]!
      return out
    },
    dispose: async () => undefined,
  } as unknown as RankerModel
  return { model, batches }
}

const rowsOf = (base: number, rows: number) =>
  Float32Array.from({ length: rows * F }, (_, i) => base + Math.floor(i / F))

describe('BatchedModel', () => {
  it('scores concurrent requests in shared batches, split across batches, each output on its own row', async () => {
    const { model, batches } = summing()
    const m = new BatchedModel(model, { maxBatch: 7, maxWaitMs: 0 })
    const sizes = [5, 1, 12, 3]
    const out = await Promise.all(sizes.map((n, k) => m.score(rowsOf(1000 * k, n), n)))
    sizes.forEach((n, k) =>
      expect(out[k]).toEqual(Array.from({ length: n }, (_, r) => (1000 * k + r) * F)),
    )
    expect(batches.reduce((a, b) => a + b, 0)).toBe(21)
    expect(Math.max(...batches)).toBeLessThanOrEqual(7)
    // the same features submitted twice at once are two requests
    const f = rowsOf(1, 4)
    const [a, b] = await Promise.all([m.score(f, 4), m.score(f, 4)])
    expect(a).toEqual(b)
    expect(a).toEqual([1, 2, 3, 4].map((x) => x * F))
  })
})
