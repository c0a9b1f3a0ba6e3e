import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { topK } from './top-k'

describe('topK', () => {
  it('equals the first k of a full sort by score descending, ties by index', () => {
    fc.assert(
      fc.property(
        // Few distinct values: many ties.
        fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true })), {
          maxLength: 300,
        }),
        fc.integer({ min: 0, max: 320 }),
        (scores, k) => {
          const full = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)
          expect(topK(scores, k)).toEqual(full.slice(0, k))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('reads typed arrays', () => {
    expect(topK(Float64Array.from([0.2, 0.9, 0.5, 0.9]), 3)).toEqual([1, 3, 2])
  })
})
