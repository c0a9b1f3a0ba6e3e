import { describe, expect, it } from 'vitest'
import { itemKnnScores, trainItemKnn } from './item-knn'

const pairs = (spec: Record<string, string>) =>
  Object.entries(spec).flatMap(([user_id, items]) =>
    [...items].map((item_id) => ({ user_id, item_id })),
  )

describe('item-kNN with shrinkage', () => {
  // a: users 1-4; b: users 1-3; c: users 3-4; d: user 5 only.
  const data = pairs({ u1: 'ab', u2: 'ab', u3: 'abc', u4: 'ac', u5: 'd' })

  it('scores co-counts over sqrt(|Ui| |Uj|) + shrink, best first, and drops items with no co-occurrence', () => {
    const m = trainItemKnn(data, { k: 10, shrink: 2 })
    // a–b: 3 common users, |Ua| 4, |Ub| 3 → 3 / (√12 + 2); a–c: 2 / (√8 + 2); b–c: 1 / (√6 + 2).
    expect(m.neighbors.get('a')).toEqual([
      { item_id: 'b', score: expect.closeTo(3 / (Math.sqrt(12) + 2), 12) },
      { item_id: 'c', score: expect.closeTo(2 / (Math.sqrt(8) + 2), 12) },
    ])
    expect(m.neighbors.get('c')!.map((s) => s.item_id)).toEqual(['a', 'b'])
    expect(m.neighbors.has('d')).toBe(false)
  })

  it('shrinkage reorders: a well-supported pair beats a perfect but thin one', () => {
    // x and y always together but only twice; p and q together 20 times out of 30 each.
    const xs = [
      ...pairs({ s1: 'xy', s2: 'xy' }),
      ...Array.from({ length: 30 }, (_, i) => ({ user_id: `p${i}`, item_id: 'p' })),
      ...Array.from({ length: 30 }, (_, i) => ({ user_id: `p${i + 10}`, item_id: 'q' })),
    ]
    const plain = trainItemKnn(xs, { shrink: 0 })
    const shrunk = trainItemKnn(xs, { shrink: 10 })
    const sim = (m: typeof plain, a: string, b: string) =>
      m.neighbors.get(a)!.find((s) => s.item_id === b)!.score
    expect(sim(plain, 'x', 'y')).toBeGreaterThan(sim(plain, 'p', 'q'))
    expect(sim(shrunk, 'x', 'y')).toBeLessThan(sim(shrunk, 'p', 'q'))
  })

  it('keeps the k nearest only, and sums a history’s neighbour scores', () => {
    const m = trainItemKnn(data, { k: 1, shrink: 0 })
    expect(m.neighbors.get('a')).toHaveLength(1)
    expect(m.neighbors.get('a')![0]!.item_id).toBe('b')
    // History {b, c}: b's nearest is a (3/√12), c's nearest is a (2/√8).
    expect(itemKnnScores(m, ['b', 'c'])).toEqual([
      { item_id: 'a', score: expect.closeTo(3 / Math.sqrt(12) + 2 / Math.sqrt(8), 12) },
    ])
    expect(() => trainItemKnn(data, { k: 0 })).toThrow(RangeError)
  })
})
