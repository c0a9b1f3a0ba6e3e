import { describe, expect, it } from 'vitest'
import { calibrate, guardScore } from './calibration'

describe('calibrate', () => {
  it('none is the identity; sigmoid and platt are the logistic of a·x + b with opposite signs', () => {
    expect(calibrate(0.3, { kind: 'none', a: 5, b: 5 })).toBe(0.3)
    expect(calibrate(0, { kind: 'sigmoid', a: 2, b: 0 })).toBe(0.5)
    expect(calibrate(1, { kind: 'sigmoid', a: 2, b: -1 })).toBeCloseTo(1 / (1 + Math.exp(-1)), 12)
    expect(calibrate(1, { kind: 'platt', a: -2, b: 1 })).toBeCloseTo(1 / (1 + Math.exp(-1)), 12)
    expect(calibrate(3, { kind: 'sigmoid', a: 1, b: 0 })).toBeGreaterThan(
      calibrate(1, { kind: 'sigmoid', a: 1, b: 0 }),
    )
  })
})

describe('guardScore', () => {
  it('floors NaN and out-of-range scores to score_range[0] and says why', () => {
    expect(guardScore(NaN, [0, 1])).toEqual({ score: 0, floored: 'nan' })
    expect(guardScore(1.5, [-1, 1])).toEqual({ score: -1, floored: 'out_of_range' })
    expect(guardScore(-2, [-1, 1])).toEqual({ score: -1, floored: 'out_of_range' })
    expect(guardScore(Infinity, [0, 1])).toEqual({ score: 0, floored: 'out_of_range' })
    expect(guardScore(0.25, [0, 1])).toEqual({ score: 0.25 })
    expect(guardScore(1, [0, 1])).toEqual({ score: 1 })
  })
})
