import { describe, expect, it } from 'vitest'
import { seededRandom } from './random'

describe('seededRandom', () => {
  it('repeats its sequence for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const c = seededRandom(43)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs)
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10))
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true)
    // Roughly uniform: each tenth of [0, 1) gets between 5 % and 15 % of the draws.
    const bins = new Array(10).fill(0)
    for (const x of xs) bins[Math.floor(x * 10)]++
    for (const n of bins) expect(n).toBeGreaterThan(50)
  })
})
