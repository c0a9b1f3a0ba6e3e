import { describe, expect, it } from 'vitest'
import type { Interaction } from './dataset'
import { dedupePairs, leaveLastN, temporalSplit } from './split'

const x = (user_id: string, item_id: string, ts: number, weight = 1): Interaction => ({
  user_id,
  item_id,
  ts,
  weight,
})
const pairs = (xs: Interaction[]) => xs.map((i) => `${i.user_id}/${i.item_id}@${i.ts}`)

describe('dedupePairs', () => {
  it('keeps one interaction per pair: the first time, the strongest weight', () => {
    const out = dedupePairs([
      x('u', 'a', 5, 0.2),
      x('u', 'a', 3, 0.1),
      x('u', 'a', 9, 0.8),
      x('v', 'a', 1),
    ])
    expect(out).toEqual([x('v', 'a', 1), x('u', 'a', 3, 0.8)])
  })
})

describe('temporalSplit', () => {
  it('holds out the latest share of distinct pairs, and the pairs never cross sides', () => {
    const xs = Array.from({ length: 10 }, (_, i) => x(`u${i % 3}`, `i${i}`, i * 10))
    // u0 re-touches i0 late: a duplicate of a train pair, not a new test item.
    xs.push(x('u0', 'i0', 1000))
    const s = temporalSplit(xs, { holdout: 0.2 })
    expect(pairs(s.test)).toEqual(['u2/i8@80', 'u0/i9@90'])
    expect(s.train).toHaveLength(8)
    expect(s.cutoff).toBe(80)
  })

  it('sends every interaction at the cutoff timestamp to test', () => {
    const xs = [x('a', '1', 1), x('a', '2', 2), x('b', '1', 3), x('b', '2', 3), x('c', '1', 3)]
    const s = temporalSplit(xs, { holdout: 0.2 })
    expect(pairs(s.train)).toEqual(['a/1@1', 'a/2@2'])
    expect(s.test).toHaveLength(3)
    expect(() => temporalSplit(xs, { holdout: 1 })).toThrow(RangeError)
  })
})

describe('leaveLastN', () => {
  it("holds out each user's n latest items and keeps short histories whole", () => {
    const xs = [
      x('a', '1', 1),
      x('a', '2', 2),
      x('a', '3', 3),
      x('a', '2', 9), // re-touch: still first seen at 2
      x('b', '1', 5),
      x('b', '4', 6),
      x('c', '1', 7),
    ]
    const s = leaveLastN(xs, { n: 1 })
    expect(pairs(s.test)).toEqual(['a/3@3', 'b/4@6'])
    expect(pairs(s.train)).toEqual(['a/1@1', 'a/2@2', 'b/1@5', 'c/1@7'])
    expect(pairs(leaveLastN(xs, { n: 2 }).test)).toEqual(['a/2@2', 'a/3@3'])
  })
})
