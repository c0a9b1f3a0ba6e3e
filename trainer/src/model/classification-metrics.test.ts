import { describe, expect, it } from 'vitest'
import { auc, logLoss } from './classification-metrics'

describe('auc', () => {
  it('is 1 for a perfect order, 0 for a reversed one, counts ties half, and 0.5 with one class', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1)
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0)
    // One positive at 0.5 ties one negative, beats the other: (1 + 0.5) / 2.
    expect(auc([0.5, 0.5, 0.1], [1, 0, 0])).toBe(0.75)
    expect(auc([0.3, 0.7], [1, 1])).toBe(0.5)
  })
})

describe('logLoss', () => {
  it('is −log of the probability given to the true class, clipped away from 0', () => {
    expect(logLoss([0.8, 0.25], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.75)) / 2, 12)
    expect(Number.isFinite(logLoss([0], [1]))).toBe(true)
  })
})
