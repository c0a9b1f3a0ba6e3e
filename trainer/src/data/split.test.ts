import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Interaction } from './dataset'
import { dedupePairs, leaveLastN, randomSplit, roundHalfEven, temporalSplit } from './split'

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

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour, like numpy', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.25, 3.75, -1.5, 7].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, 2, 4, -2, 7,
    ])
  })
})

describe('randomSplit', () => {
  const user = (u: string, n: number, t0 = 0) =>
    Array.from({ length: n }, (_, i) => x(u, `i${i}`, t0 + i))
  const key = (s: { train: Interaction[]; test: Interaction[] }) => ({
    train: pairs(s.train),
    test: pairs(s.test),
  })

  it("keeps roundHalfEven(0.75 n) of each user's distinct items in train", () => {
    const xs = Array.from({ length: 12 }, (_, k) => user(`u${k + 1}`, k + 1)).flat()
    xs.push(x('u12', 'i0', 99)) // a repeat: one pair, not a 13th item
    const s = randomSplit(xs, { seed: 42 })
    const trainOf = (u: string) => s.train.filter((i) => i.user_id === u).length
    expect(Array.from({ length: 12 }, (_, k) => trainOf(`u${k + 1}`))).toEqual([
      1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 8, 9,
    ])
    expect(s.train.length + s.test.length).toBe(78)
    expect(s.cutoff).toBeUndefined()
  })

  it('is reproducible from its seed, whatever the input order, and another seed gives another split', () => {
    const xs = [...user('a', 20), ...user('b', 9, 100), ...user('c', 4, 200)]
    const once = key(randomSplit(xs, { seed: 42 }))
    expect(key(randomSplit([...xs].reverse(), { seed: 42 }))).toEqual(once)
    expect(key(randomSplit(xs, { seed: 7 }))).not.toEqual(once)
    // A user's split depends on their own items only: adding a user changes nobody else's.
    const more = randomSplit([...xs, ...user('d', 8)], { seed: 42 })
    expect(pairs(more.test.filter((i) => i.user_id !== 'd'))).toEqual(once.test)
  })

  it('holds out a random share, not the latest items: over 400 seeds each item is held out about 1 in 4', () => {
    const xs = user('a', 8)
    const held = new Map<string, number>()
    for (let seed = 0; seed < 400; seed++)
      for (const t of randomSplit(xs, { seed }).test)
        held.set(t.item_id, (held.get(t.item_id) ?? 0) + 1)
    // 2 of 8 held out each time: 100 expected per item (binomial sd ≈ 8.7; the seeds are fixed, so this is exact).
    expect([...held.keys()].sort()).toEqual(xs.map((i) => i.item_id).sort())
    for (const n of held.values()) expect(n).toBeGreaterThan(65)
    for (const n of held.values()) expect(n).toBeLessThan(135)
  })

  it('partitions the distinct pairs, per user, for any input', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            user_id: fc.constantFrom('u1', 'u2', 'u3'),
            item_id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
            ts: fc.integer({ min: 0, max: 50 }),
            weight: fc.constant(1),
          }),
        ),
        fc.integer(),
        (xs, seed) => {
          const s = randomSplit(xs, { seed })
          const all = dedupePairs(xs).map((i) => `${i.user_id}/${i.item_id}`)
          const sides = [...s.train, ...s.test].map((i) => `${i.user_id}/${i.item_id}`)
          expect(sides.sort()).toEqual(all.sort())
          for (const u of ['u1', 'u2', 'u3']) {
            const n = all.filter((p) => p.startsWith(`${u}/`)).length
            expect(s.train.filter((i) => i.user_id === u)).toHaveLength(roundHalfEven(0.75 * n))
          }
        },
      ),
    )
  })

  it('validates its arguments', () => {
    expect(() => randomSplit([], { ratio: 1 })).toThrow(RangeError)
    expect(() => randomSplit([], { seed: 1.5 })).toThrow(RangeError)
  })
})
