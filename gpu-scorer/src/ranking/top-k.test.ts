import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { topK, topKPinned } from './top-k'

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

describe('topKPinned', () => {
  it('equals a full sort with the pinned block first (each block by score, ties by index), cut to k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: -3, max: 3 }), pinned: fc.boolean() }), {
          maxLength: 200,
        }),
        fc.integer({ min: 0, max: 220 }),
        (xs, k) => {
          const scores = xs.map((x) => x.score)
          const full = xs
            .map((_, i) => i)
            .sort(
              (a, b) =>
                Number(xs[b]!.pinned) - Number(xs[a]!.pinned) || scores[b]! - scores[a]! || a - b,
            )
          expect(topKPinned(scores, k, (i) => xs[i]!.pinned)).toEqual(full.slice(0, k))
        },
      ),
      { numRuns: 300 },
    )
  })
})
