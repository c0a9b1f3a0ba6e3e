import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { kthLargest } from './top-k'

describe('kthLargest', () => {
  it('equals the k-th of a descending sort, with ties and -Infinity, for every k', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -5, max: 5 }),
            fc.constant(-Infinity),
            fc.double({ noNaN: true }),
          ),
          { minLength: 1, maxLength: 60 },
        ),
        (values) => {
          const sorted = [...values].sort((a, b) => b - a)
          for (let k = 1; k <= values.length; k++)
            // `===`, not Object.is: 0 and -0 tie, and either may come out.
            expect(kthLargest(Float64Array.from(values), k) === sorted[k - 1]).toBe(true)
        },
      ),
    )
  })
})
