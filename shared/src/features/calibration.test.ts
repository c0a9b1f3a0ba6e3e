import { describe, expect, it } from 'vitest'
import { calibrate } from './calibration'

describe('model calibration (scorer and edge)', () => {
  const none = {
    calibration: { kind: 'none' as const, a: 1, b: 0 },
    score_range: [0, 1] as [number, number],
  }

  it('passes scores in range through, and floors NaN, infinities and out-of-range outputs', () => {
    const { scores, floored, nan, outOfRange } = calibrate([0.5, NaN, 1.5, -0.1, Infinity, 1], none)
    expect(scores).toEqual([0.5, 0, 0, 0, 0, 1])
    expect(floored).toBe(4)
    // Infinity counts with NaN (not finite); 1.5 and -0.1 are finite but out of range.
    expect({ nan, outOfRange }).toEqual({ nan: 2, outOfRange: 2 })
  })

  it('sigmoid: σ(a·x + b); the floor is the lowest calibrated score in range', () => {
    const meta = {
      calibration: { kind: 'sigmoid' as const, a: 2, b: -1 },
      score_range: [-5, 5] as [number, number],
    }
    const { scores } = calibrate([0.5, NaN], meta)
    expect(scores[0]).toBeCloseTo(0.5)
    expect(scores[1]).toBeCloseTo(1 / (1 + Math.exp(11)))
  })

  it('platt: 1 / (1 + e^(a·x + b)), a negative slope ranks high outputs first', () => {
    const meta = {
      calibration: { kind: 'platt' as const, a: -3, b: 0 },
      score_range: [-1, 1] as [number, number],
    }
    const { scores } = calibrate([1, 0, -1, NaN], meta)
    expect(scores[0]).toBeGreaterThan(scores[1]!)
    expect(scores[1]).toBeCloseTo(0.5)
    expect(scores[3]).toBeCloseTo(scores[2]!)
  })
})
