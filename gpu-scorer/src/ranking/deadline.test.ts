import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planDeadline, shrinkCandidates } from './deadline'

/** An estimate like the batcher's: fixed cost plus a per-row cost. */
const linear = (fixed: number, perRow: number) => (rows: number) => fixed + rows * perRow

describe('planDeadline', () => {
  it('keeps every row when the estimate fits', () => {
    expect(planDeadline(1000, 10, 50, linear(5, 0.01))).toEqual({ kind: 'full', rows: 1000 })
  })

  it('shrinks to the most rows that fit before it ever sheds', () => {
    const est = linear(5, 0.1)
    const plan = planDeadline(1000, 10, 50, est)
    expect(plan).toMatchObject({ kind: 'shrink', rows: 450 })
    expect(est(450)).toBeLessThanOrEqual(50)
    expect(est(451)).toBeGreaterThan(50)
  })

  it('sheds only when even the minimal set misses', () => {
    expect(planDeadline(1000, 10, 5.5, linear(5, 0.1))).toMatchObject({ kind: 'shed', minRows: 10 })
    expect(planDeadline(1000, 10, 6, linear(5, 0.1))).toMatchObject({ kind: 'shrink', rows: 10 })
  })

  it('for any monotone estimate: the rows it keeps fit, one more would not, and it sheds only when the minimum misses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rows, minRows, budget, fixed, perRow) => {
          const est = linear(fixed, perRow)
          const p = planDeadline(rows, minRows, budget, est)
          if (p.kind === 'full') expect(est(rows)).toBeLessThanOrEqual(budget)
          else if (p.kind === 'shed') expect(est(Math.min(minRows, rows))).toBeGreaterThan(budget)
          else {
            expect(p.rows).toBeGreaterThanOrEqual(Math.min(minRows, rows))
            expect(p.rows).toBeLessThan(rows)
            expect(est(p.rows)).toBeLessThanOrEqual(budget)
            expect(est(p.rows + 1)).toBeGreaterThan(budget)
          }
        },
      ),
    )
  })
})

describe('shrinkCandidates', () => {
  const cands = [
    ...Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, source: 'ann' })),
    ...Array.from({ length: 30 }, (_, i) => ({ id: `i${i}`, source: 'item2item' })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, source: 'trending' })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, source: 'editorial' })),
  ]

  it('keeps each source its share and the best of each source, in order', () => {
    const out = shrinkCandidates(cands, 20)
    expect(out).toHaveLength(20)
    expect(out.map((c) => c.id)).toEqual([
      ...['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'],
      ...['i0', 'i1', 'i2', 'i3', 'i4', 'i5'],
      ...['t0', 't1', 'e0', 'e1'],
    ])
  })

  it('returns exactly the asked number, a subsequence of the input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (n) => {
        const out = shrinkCandidates(cands, n)
        expect(out).toHaveLength(n)
        let j = 0
        for (const c of out) {
          while (cands[j] !== c) j++
          j++
        }
        expect(j).toBeLessThanOrEqual(cands.length)
      }),
    )
  })
})
