import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EDGE_FEATURE_COUNT, EDGE_FEATURES, edgeFeatures } from './edge'
import {
  categoryAffinity,
  historyIndex,
  itemAge,
  listSignals,
  meanVector,
  RANKER_FEATURE_COUNT,
  RANKER_FEATURES,
  rankerFeatures,
  type CandidateSignals,
} from './ranker'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 21)
const f = (name: (typeof RANKER_FEATURES)[number]) => RANKER_FEATURES.indexOf(name)

describe('ranker features', () => {
  const subject = {
    vector: Float32Array.from([1, 2]),
    sessionVectors: [Float32Array.from([0, 1]), Float32Array.from([3, 0])],
    historyCategories: [['drama'], ['comedy', 'drama'], ['horror'], ['kids']],
  }
  const cand = (over: Partial<CandidateSignals> = {}): CandidateSignals => ({
    item: {
      vector: Float32Array.from([0.5, -1]),
      categories: ['drama'],
      published_at: NOW - 9 * DAY,
      trending: 0.25,
      popularity: 0.75,
    },
    sources: new Set(['ann', 'trending']),
    i2iMax: 0.4,
    i2iHits: 3,
    ...over,
  })

  it('computes each column from its signals', () => {
    const row = rankerFeatures(subject, [cand()], NOW)
    expect(row.length).toBe(RANKER_FEATURE_COUNT)
    expect(row[f('user_item_dot')]).toBeCloseTo(0.5 - 2, 6)
    expect(row[f('has_user_vector')]).toBe(1)
    expect(row[f('i2i_max')]).toBeCloseTo(0.4, 6)
    expect(row[f('i2i_hits')]).toBeCloseTo(Math.log(4), 6)
    // session dots: (0,1)·(0.5,-1) = -1, (3,0)·(0.5,-1) = 1.5 → 1.5
    expect(row[f('session_dot_max')]).toBeCloseTo(1.5, 6)
    expect(row[f('trending')]).toBeCloseTo(0.25, 6)
    expect(row[f('popularity')]).toBeCloseTo(0.75, 6)
    expect(row[f('category_affinity')]).toBeCloseTo(2 / 4, 6)
    expect(row[f('item_age')]).toBeCloseTo(Math.log(10) / Math.log1p(3650), 6)
    expect(
      [f('from_ann'), f('from_item2item'), f('from_trending'), f('from_editorial')].map(
        (i) => row[i],
      ),
    ).toEqual([1, 0, 1, 0])
  })

  it('zeroes what is missing: no user vector, no item vector, no session, unknown age', () => {
    const row = rankerFeatures(
      { sessionVectors: [], historyCategories: [] },
      [cand({ item: { categories: [], trending: 0, popularity: 0 } })],
      NOW,
    )
    expect(row[f('user_item_dot')]).toBe(0)
    expect(row[f('has_user_vector')]).toBe(0)
    expect(row[f('session_dot_max')]).toBe(0)
    expect(row[f('category_affinity')]).toBe(0)
    expect(row[f('item_age')]).toBe(0.5)
  })

  it('writes rows in candidate order into a given buffer and refuses a short one', () => {
    const buf = new Float32Array(3 * RANKER_FEATURE_COUNT).fill(-7)
    const cands = [cand({ i2iMax: 0.1 }), cand({ i2iMax: 0.2 }), cand({ i2iMax: 0.3 })]
    rankerFeatures(subject, cands, NOW, buf)
    expect([0, 1, 2].map((r) => buf[r * RANKER_FEATURE_COUNT + f('i2i_max')])).toEqual(
      [0.1, 0.2, 0.3].map(Math.fround),
    )
    expect(() => rankerFeatures(subject, cands, NOW, new Float32Array(5))).toThrow(/needs/)
  })

  it('is deterministic', () => {
    const a = rankerFeatures(subject, [cand(), cand({ i2iHits: 0 })], NOW)
    const b = rankerFeatures(subject, [cand(), cand({ i2iHits: 0 })], NOW)
    expect(a).toEqual(b)
  })

  it('item age is monotone in age and capped', () => {
    expect(itemAge(NOW, NOW)).toBe(0)
    expect(itemAge(NOW - DAY, NOW)).toBeLessThan(itemAge(NOW - 30 * DAY, NOW))
    expect(itemAge(NOW - 100_000 * DAY, NOW)).toBe(1)
    expect(itemAge(NOW + DAY, NOW)).toBe(0)
  })

  it('list signals: trending scaled by the top score, popularity by rank; first occurrence wins', () => {
    const t = listSignals(
      [
        { item_id: 'a', score: 8 },
        { item_id: 'b', score: 2 },
        { item_id: 'a', score: 1 },
      ],
      'score',
    )
    expect(t.get('a')).toBe(1)
    expect(t.get('b')).toBe(0.25)
    const p = listSignals(
      [{ item_id: 'a' }, { item_id: 'b' }, { item_id: 'c' }, { item_id: 'd' }],
      'rank',
    )
    expect([...p.values()]).toEqual([1, 0.75, 0.5, 0.25])
    expect(listSignals([{ item_id: 'a' }], 'score').get('a')).toBe(0)
  })

  it('mean vector and category affinity', () => {
    expect(meanVector([])).toBeUndefined()
    expect([...meanVector([Float32Array.from([1, 3]), Float32Array.from([3, 5])])!]).toEqual([2, 4])
    expect(categoryAffinity(['a'], [['a'], ['b'], ['a', 'c']])).toBeCloseTo(2 / 3)
    expect(categoryAffinity([], [['a']])).toBe(0)
  })

  it('the indexed affinity is the share of history entries that share a category, for any history', () => {
    // The definition, entry by entry; the index (bit masks, one word per 32 entries) must give the same float.
    const reference = (cats: readonly string[], history: ReadonlyArray<readonly string[]>) =>
      history.length === 0 || cats.length === 0
        ? 0
        : history.filter((h) => h.some((c) => cats.includes(c))).length / history.length
    const cat = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '', 'constructor')
    const cats = fc.array(cat, { maxLength: 4 })
    fc.assert(
      fc.property(
        fc.array(cats, { maxLength: 100, size: 'max' }),
        fc.array(cats, { maxLength: 8 }),
        (history, items) => {
          const index = historyIndex(history)
          for (const c of items) {
            expect(index.affinity(c)).toBe(reference(c, history))
            expect(categoryAffinity(c, history)).toBe(reference(c, history))
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('edge features', () => {
  it('scales scores by the top score, ranks reciprocally, shares the affinity and age code', () => {
    const rows = edgeFeatures(
      [
        { score: 2, categories: ['a'], published_at: NOW },
        { score: 1, categories: ['b'] },
        { categories: ['a', 'b'] },
      ],
      [['a'], ['c']],
      NOW,
    )
    expect(EDGE_FEATURES.length).toBe(EDGE_FEATURE_COUNT)
    const at = (r: number, name: (typeof EDGE_FEATURES)[number]) =>
      rows[r * EDGE_FEATURE_COUNT + EDGE_FEATURES.indexOf(name)]
    expect([0, 1, 2].map((r) => at(r, 'cached_score'))).toEqual([1, 0.5, 0])
    expect([0, 1, 2].map((r) => at(r, 'rank_reciprocal'))).toEqual([1, 0.5, 1 / 3].map(Math.fround))
    expect([0, 1, 2].map((r) => at(r, 'category_affinity'))).toEqual([0.5, 0, 0.5])
    expect([0, 1, 2].map((r) => at(r, 'item_age'))).toEqual([0, 0.5, 0.5])
  })

  it('is all zero scores for an unscored slate', () => {
    const rows = edgeFeatures([{ categories: [] }, { categories: [] }], [], NOW)
    expect(rows[0]).toBe(0)
    expect(rows[EDGE_FEATURE_COUNT]).toBe(0)
  })
})
