import fc from 'fast-check'
import { RANK_SOURCES } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { sourceQuotas } from './quotas'

describe('sourceQuotas', () => {
  it('splits candidates 50/30/10/10 by default', () => {
    expect(sourceQuotas(1000)).toEqual({ ann: 500, item2item: 300, trending: 100, editorial: 100 })
  })

  it('never exceeds the budget, gives the rounding remainder to ann, and honours overrides', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), (n) => {
        const q = sourceQuotas(n)
        expect(RANK_SOURCES.reduce((s, k) => s + q[k], 0)).toBe(n)
        expect(q.trending).toBe(Math.floor(n * 0.1))
      }),
    )
    expect(sourceQuotas(15)).toEqual({ ann: 9, item2item: 4, trending: 1, editorial: 1 })
    expect(sourceQuotas(1000, { trending: 0, ann: 42 })).toMatchObject({ ann: 42, trending: 0 })
  })
})
