import { describe, expect, it } from 'vitest'
import {
  apAt,
  catalogCoverage,
  categoryJaccard,
  intraListDiversity,
  ndcgAt,
  noveltyAt,
  precisionAt,
  recallAt,
} from './metrics'

// Hits at ranks 1 and 3 of 5; three relevant items, one of them never retrieved.
const ranked = ['a', 'x', 'b', 'y', 'z']
const relevant = new Set(['a', 'b', 'c'])

describe('ranking metrics', () => {
  it('recall@K counts hits in the top K over all relevant items', () => {
    expect(recallAt(ranked, relevant, 1)).toBeCloseTo(1 / 3)
    expect(recallAt(ranked, relevant, 2)).toBeCloseTo(1 / 3)
    expect(recallAt(ranked, relevant, 5)).toBeCloseTo(2 / 3)
    expect(recallAt([], relevant, 5)).toBe(0)
  })

  it('NDCG@K discounts hits by log2(rank + 1) against the ideal ordering', () => {
    // DCG = 1 + 1/2 (rank 3: log2 4 = 2); ideal for 3 relevant = 1 + 1/log2 3 + 1/2.
    expect(ndcgAt(ranked, relevant, 5)).toBeCloseTo(1.5 / (1.5 + 1 / Math.log2(3)))
    // At K = 2 only rank 1 hits; the ideal has two hits.
    expect(ndcgAt(ranked, relevant, 2)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)))
    expect(ndcgAt(['b', 'a', 'c'], relevant, 3)).toBeCloseTo(1)
  })

  it('MAP@K averages precision at each hit over min(K, |relevant|)', () => {
    // Precision 1/1 at rank 1 and 2/3 at rank 3, over 3 relevant.
    expect(apAt(ranked, relevant, 5)).toBeCloseTo((1 + 2 / 3) / 3)
    // K = 1: one hit out of min(1, 3) = 1 possible.
    expect(apAt(ranked, relevant, 1)).toBe(1)
    expect(apAt(['x', 'a'], new Set(['a']), 2)).toBe(0.5)
  })

  it('coverage is the share of the catalog in anyone’s top K', () => {
    expect(
      catalogCoverage(
        [
          ['a', 'b', 'c'],
          ['b', 'd'],
        ],
        10,
        2,
      ),
    ).toBeCloseTo(0.3)
    expect(catalogCoverage([], 0, 5)).toBe(0)
  })

  it('precision@K counts hits over K, missing slots as misses', () => {
    expect(precisionAt(ranked, relevant, 5)).toBeCloseTo(2 / 5)
    expect(precisionAt(ranked, relevant, 10)).toBeCloseTo(2 / 10)
    expect(precisionAt(ranked, relevant, 1)).toBe(1)
    expect(precisionAt([], relevant, 10)).toBe(0)
  })
})

describe('beyond-accuracy metrics', () => {
  const categories = new Map<string, string[]>([
    ['a', ['drama']],
    ['b', ['drama', 'comedy']],
    ['c', ['horror']],
    ['d', []],
    ['e', []],
  ])

  it('category Jaccard: shared over union; two items without categories are alike', () => {
    expect(categoryJaccard(['drama'], ['drama', 'comedy'])).toBeCloseTo(1 / 2)
    expect(categoryJaccard(['drama'], ['horror'])).toBe(0)
    expect(categoryJaccard([], [])).toBe(1)
    expect(categoryJaccard([], ['x'])).toBe(0)
  })

  it('intra-list diversity: mean pairwise 1 − Jaccard over the top K', () => {
    // Pairs of a, b, c: (a,b) 1 − 1/2, (a,c) 1, (b,c) 1 → 2.5 / 3.
    expect(intraListDiversity(['a', 'b', 'c'], categories, 10)).toBeCloseTo(2.5 / 3)
    // Only the top 2 count: (a,b) → 0.5.
    expect(intraListDiversity(['a', 'b', 'c'], categories, 2)).toBeCloseTo(0.5)
    expect(intraListDiversity(['d', 'e'], categories, 10)).toBe(0)
    // An unknown item has no categories: unlike 'a' (distance 1).
    expect(intraListDiversity(['a', 'zz'], categories, 10)).toBe(1)
    expect(intraListDiversity(['a'], categories, 10)).toBe(0)
  })

  it('novelty: mean −log2(share of train users) over the top K; unseen items count as seen once', () => {
    const users = new Map([
      ['a', 8],
      ['b', 2],
    ])
    // −log2(8/16) = 1, −log2(2/16) = 3, unseen −log2(1/16) = 4.
    expect(noveltyAt(['a', 'b'], users, 16, 10)).toBeCloseTo(2)
    expect(noveltyAt(['a', 'b', 'q'], users, 16, 10)).toBeCloseTo(8 / 3)
    expect(noveltyAt(['a', 'b', 'q'], users, 16, 1)).toBeCloseTo(1)
    expect(noveltyAt([], users, 16, 10)).toBe(0)
  })
})
