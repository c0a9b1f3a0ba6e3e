import { describe, expect, it } from 'vitest'
import { rerank } from './rerank'
import { cand, ctx, DAY, ids, NOW, removals } from './rerank.fixtures'

describe('rerank: basics', () => {
  it('cuts to `limit`, keeps ladder order without rules, and reports the rest as below_cut', () => {
    const r = rerank(
      ['a', 'b', 'c', 'd'].map((id) => cand(id)),
      ctx({}, {}, 2),
    )
    expect(ids(r)).toEqual(['a', 'b'])
    expect(removals(r)).toEqual(['c:truncate:below_cut', 'd:truncate:below_cut'])
  })

  it('de-duplicates the pool, keeping the first occurrence', () => {
    const r = rerank([cand('a', 1), cand('b', 2), cand('a', 3)], ctx({}, {}, 10))
    expect(r.items.map((i) => [i.item_id, i.score])).toEqual([
      ['a', 1],
      ['b', 2],
    ])
    expect(removals(r)).toEqual(['a:dedupe:duplicate'])
  })

  it('returns an empty slate for an empty pool', () => {
    expect(rerank([], ctx({}, { exploration: { positions: [1] } }, 5))).toEqual({
      items: [],
      removed: [],
    })
  })

  it('does not mutate the pool', () => {
    const pool = ['a', 'b', 'c', 'd', 'e'].map((id, i) => cand(id, 5 - i))
    const copy = structuredClone(pool)
    rerank(
      pool,
      ctx(
        { e: { safe: true } },
        { exploration: { positions: [1] }, freshness: { boost: 1, half_life_days: 1 } },
        2,
      ),
    )
    expect(pool).toEqual(copy)
  })
})

describe('rerank: relevance floor', () => {
  it('drops scored candidates below the floor and keeps those at it and unscored ones', () => {
    const r = rerank(
      [cand('a', 0.9), cand('b', 0.1), cand('c'), cand('d', 0.5)],
      ctx({}, { relevance_floor: 0.5 }, 10),
    )
    expect(ids(r)).toEqual(['a', 'c', 'd'])
    expect(removals(r)).toEqual(['b:relevance_floor:below_relevance_floor'])
  })

  it('drops NaN scores', () => {
    const r = rerank([cand('a', Number.NaN), cand('b', 1)], ctx({}, { relevance_floor: 0 }, 10))
    expect(ids(r)).toEqual(['b'])
  })

  it('never empties the slate: when every candidate is below the floor, the floor is not applied', () => {
    // docs/api.md#post-v1recommendations: `items` is never empty while the tenant has any eligible item. Every pool
    // item is eligible.
    const r = rerank([cand('a', 0.1), cand('b', 0.2)], ctx({}, { relevance_floor: 0.5 }, 10))
    expect(ids(r)).toEqual(['a', 'b'])
    expect(r.removed).toEqual([])
  })
})

describe('rerank: freshness', () => {
  const catalog = {
    old: { published_at: NOW - 10 * DAY },
    fresh: { published_at: NOW },
    undated: {},
    popOld: { published_at: NOW - 30 * DAY },
    popFresh: { published_at: NOW - DAY },
  }
  const rules = { freshness: { boost: 1, half_life_days: 2 } }

  it('boosts fresh items within their tier: score * (1 + boost * 2^(-age / half_life))', () => {
    // old: 1.0 * (1 + 2^-5) = 1.03; fresh: 0.7 * 2 = 1.4; undated: 0.9 (no boost).
    const pool = [cand('old', 1.0), cand('undated', 0.9), cand('fresh', 0.7)]
    const r = rerank(pool, ctx(catalog, rules, 10))
    expect(ids(r)).toEqual(['fresh', 'old', 'undated'])
    expect(r.items.find((i) => i.item_id === 'fresh')!.rules).toEqual(['freshness'])
    expect(r.items.find((i) => i.item_id === 'undated')!.rules).toEqual([])
    // Scores are not rewritten: the boost only orders.
    expect(r.items.map((i) => i.score)).toEqual([0.7, 1.0, 0.9])
  })

  it('never moves an item across tiers, whatever its score', () => {
    const pool = [
      cand('old', 1.0, 'cached_user'),
      cand('fresh', 0.7, 'cached_user'),
      cand('popFresh', 0.01, 'global_popular'),
      cand('popOld', 50, 'global_popular'),
    ]
    const r = rerank(pool, ctx(catalog, rules, 10))
    expect(ids(r)).toEqual(['fresh', 'old', 'popOld', 'popFresh'])
  })

  it("keeps the anchor's neighbours ahead of the fill of their tier (item-anchored surfaces)", () => {
    const near = (id: string, score: number) => ({ ...cand(id, score, 'ranked'), anchored: true })
    const pool = [
      near('old', 0.5),
      near('undated', 0.4),
      cand('fresh', 0.9, 'ranked'),
      cand('popFresh', 0.8, 'ranked'),
    ]
    const r = rerank(pool, ctx(catalog, rules, 10))
    expect(ids(r)).toEqual(['old', 'undated', 'fresh', 'popFresh'])
    // Without the flag the same pool is one run, sorted by boosted score.
    const flat = rerank(
      pool.map(({ anchored: _, ...c }) => c),
      ctx(catalog, rules, 10),
    )
    expect(ids(flat)).toEqual(['fresh', 'popFresh', 'old', 'undated'])
  })

  it('with boost 0 orders a tier by the plain score', () => {
    const r = rerank(
      [cand('old', 1.0), cand('fresh', 0.99)],
      ctx(catalog, { freshness: { boost: 0, half_life_days: 1 } }, 10),
    )
    expect(ids(r)).toEqual(['old', 'fresh'])
  })

  it('keeps the ladder order of unscored candidates', () => {
    const r = rerank([cand('old'), cand('fresh'), cand('undated')], ctx(catalog, rules, 10))
    expect(ids(r)).toEqual(['old', 'fresh', 'undated'])
  })
})

describe('rerank: category cap', () => {
  const catalog = {
    n1: { categories: ['news'] },
    n2: { categories: ['news'] },
    n3: { categories: ['news'] },
    s1: { categories: ['sport'] },
    s2: { categories: ['sport'] },
    ns: { categories: ['news', 'sport'] },
    t1: { categories: ['tech'] },
    plain: {},
  }

  it('moves items that would exceed `max` of a category within the first `top_n` below them', () => {
    const pool = ['n1', 'n2', 's1', 'n3', 't1', 's2'].map((id) => cand(id))
    const r = rerank(pool, ctx(catalog, { category_cap: { max: 1, top_n: 3 } }, 10))
    expect(ids(r)).toEqual(['n1', 's1', 't1', 'n2', 'n3', 's2'])
    expect(r.items.find((i) => i.item_id === 'n2')!.rules).toEqual(['category_cap_deferred'])
    expect(r.removed).toEqual([])
  })

  it('counts every category of a multi-category item', () => {
    const pool = ['ns', 'n1', 's1', 't1', 'plain'].map((id) => cand(id))
    const r = rerank(pool, ctx(catalog, { category_cap: { max: 1, top_n: 3 } }, 10))
    expect(ids(r)).toEqual(['ns', 't1', 'plain', 'n1', 's1'])
  })

  it('does not limit categories below the first `top_n` positions', () => {
    const pool = ['t1', 'plain', 'n1', 'n2', 'n3'].map((id) => cand(id))
    const r = rerank(pool, ctx(catalog, { category_cap: { max: 1, top_n: 2 } }, 10))
    expect(ids(r)).toEqual(['t1', 'plain', 'n1', 'n2', 'n3'])
  })

  it('keeps deferred items rather than dropping them when there is nothing else to show', () => {
    const r = rerank(
      ['n1', 'n2', 'n3'].map((id) => cand(id)),
      ctx(catalog, { category_cap: { max: 2, top_n: 3 } }, 3),
    )
    expect(ids(r)).toEqual(['n1', 'n2', 'n3'])
  })

  it('applies to the organic ranking: sponsored items moved to their slots do not make room for a capped item', () => {
    const cat = { ...catalog, ad: { categories: ['ads'], sponsored: true } }
    const pool = ['ad', 'n1', 'n2', 't1'].map((id) => cand(id))
    const rules = { category_cap: { max: 1, top_n: 2 }, sponsored: { positions: [3], max: 1 } }
    const r = rerank(pool, ctx(cat, rules, 4))
    expect(ids(r)).toEqual(['n1', 't1', 'ad', 'n2'])
  })
})

describe('rerank: sponsored', () => {
  const catalog = { s1: { sponsored: true }, s2: { sponsored: true }, s3: { sponsored: true } }
  const pool = () => ['s1', 'o1', 'o2', 's2', 'o3', 'o4', 's3', 'o5', 'o6'].map((id) => cand(id))

  it('places sponsored items only at the sponsored positions, at most `max`, and drops the rest as sponsored_cap', () => {
    const r = rerank(pool(), ctx(catalog, { sponsored: { positions: [5, 2, 9], max: 2 } }, 6))
    expect(ids(r)).toEqual(['o1', 's1', 'o2', 'o3', 's2', 'o4'])
    expect(r.items.map((i) => i.sponsored)).toEqual([false, true, false, false, true, false])
    expect(r.items[1]!.rules).toEqual(['sponsored_slot'])
    expect(removals(r)).toEqual([
      's3:sponsored:sponsored_cap',
      'o5:truncate:below_cut',
      'o6:truncate:below_cut',
    ])
  })

  it('ignores positions beyond `limit`: their sponsored items are dropped, not cut', () => {
    const r = rerank(pool(), ctx(catalog, { sponsored: { positions: [2, 8], max: 3 } }, 4))
    expect(ids(r)).toEqual(['o1', 's1', 'o2', 'o3'])
    expect(removals(r).filter((x) => x.startsWith('s'))).toEqual([
      's2:sponsored:sponsored_cap',
      's3:sponsored:sponsored_cap',
    ])
  })

  it('with max 0 serves no sponsored item at all', () => {
    const r = rerank(pool(), ctx(catalog, { sponsored: { positions: [1, 2], max: 0 } }, 9))
    expect(ids(r)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'o6'])
    expect(r.items.every((i) => !i.sponsored)).toBe(true)
  })

  it('never empties the slate: sponsored items only, with every slot beyond `limit`, take the first positions, up to `max`', () => {
    const only = () => ['s1', 's2', 's3'].map((id) => cand(id))
    const r = rerank(only(), ctx(catalog, { sponsored: { positions: [3, 4], max: 2 } }, 2))
    expect(ids(r)).toEqual(['s1', 's2'])
    expect(r.items.every((i) => i.sponsored && i.rules.includes('sponsored_slot'))).toBe(true)
    expect(removals(r)).toEqual(['s3:sponsored:sponsored_cap'])
    // max 0 means no sponsored item on the surface: that still holds.
    expect(ids(rerank(only(), ctx(catalog, { sponsored: { positions: [3], max: 0 } }, 2)))).toEqual(
      [],
    )
  })

  it('ignores duplicate positions', () => {
    const r = rerank(pool(), ctx(catalog, { sponsored: { positions: [3, 3], max: 2 } }, 5))
    expect(ids(r)).toEqual(['o1', 'o2', 's1', 'o3', 'o4'])
  })

  it('flags sponsored items even without a sponsored rule', () => {
    const r = rerank(pool(), ctx(catalog, {}, 3))
    expect(r.items.map((i) => [i.item_id, i.sponsored])).toEqual([
      ['s1', true],
      ['o1', false],
      ['o2', false],
    ])
  })
})

describe('rerank: exploration', () => {
  // a1..a4 rank above the cut of 4; of the b items below it only b2, b4 and b5 are safe and organic.
  const catalog = {
    a2: { safe: true },
    b2: { safe: true },
    b3: { safe: true, sponsored: true },
    b4: { safe: true },
    b5: { safe: true },
  }
  const pool = () =>
    ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((id) => cand(id))
  const SAFE_BELOW = ['b2', 'b4', 'b5']

  it('fills an exploration slot with a safe, organic item from below the cut', () => {
    const r = rerank(pool(), ctx(catalog, { exploration: { positions: [2] } }, 4))
    expect(r.items).toHaveLength(4)
    const picked = r.items[1]!
    expect(SAFE_BELOW).toContain(picked.item_id)
    expect(picked.rules).toEqual(['exploration_slot'])
    expect(picked.sponsored).toBe(false)
    expect([r.items[0]!.item_id, r.items[2]!.item_id, r.items[3]!.item_id]).toEqual([
      'a1',
      'a2',
      'a3',
    ])
    expect(removals(r)).toContain('a4:truncate:below_cut')
  })

  it('is deterministic for a seed and varies across seeds', () => {
    const picks = new Set<string>()
    for (let i = 0; i < 60; i++) {
      const c = ctx(catalog, { exploration: { positions: [2] } }, 4, `slate-${i}`)
      const first = rerank(pool(), c)
      expect(rerank(pool(), c)).toEqual(first)
      picks.add(first.items[1]!.item_id)
    }
    expect([...picks].sort()).toEqual(SAFE_BELOW)
  })

  it('fills several slots with distinct items', () => {
    for (let i = 0; i < 20; i++) {
      const r = rerank(pool(), ctx(catalog, { exploration: { positions: [3, 1] } }, 4, `s${i}`))
      const explored = [r.items[0]!.item_id, r.items[2]!.item_id]
      expect(new Set(explored).size).toBe(2)
      for (const id of explored) expect(SAFE_BELOW).toContain(id)
      expect([r.items[1]!.item_id, r.items[3]!.item_id]).toEqual(['a1', 'a2'])
    }
  })

  it('leaves the slate alone when no safe item is below the cut, or the slot is beyond `limit`', () => {
    const unsafe = { b3: { safe: true, sponsored: true }, a2: { safe: true } }
    expect(ids(rerank(pool(), ctx(unsafe, { exploration: { positions: [2] } }, 4)))).toEqual([
      'a1',
      'a2',
      'a3',
      'a4',
    ])
    expect(ids(rerank(pool(), ctx(catalog, { exploration: { positions: [5] } }, 4)))).toEqual([
      'a1',
      'a2',
      'a3',
      'a4',
    ])
  })

  it('does not move a sponsored item off its slot', () => {
    const cat = { ...catalog, ad: { sponsored: true } }
    const ads = () => [cand('ad'), ...pool()]
    for (let i = 0; i < 20; i++) {
      const rules = { sponsored: { positions: [3], max: 1 }, exploration: { positions: [2] } }
      const r = rerank(ads(), ctx(cat, rules, 4, `s${i}`))
      expect(r.items.map((x) => x.sponsored)).toEqual([false, false, true, false])
      expect(r.items[2]!.item_id).toBe('ad')
      expect(SAFE_BELOW).toContain(r.items[1]!.item_id)
      expect([r.items[0]!.item_id, r.items[3]!.item_id]).toEqual(['a1', 'a2'])
    }
  })

  it('does not push a sponsored item in the last position out of the slate', () => {
    const cat = { ...catalog, ad: { sponsored: true } }
    const rules = { sponsored: { positions: [4], max: 1 }, exploration: { positions: [1] } }
    const r = rerank([cand('ad'), ...pool()], ctx(cat, rules, 4))
    expect(r.items[3]!.item_id).toBe('ad')
    expect(SAFE_BELOW).toContain(r.items[0]!.item_id)
  })

  it('leaves a sponsored slot to the sponsored item when both rules name the same position', () => {
    const cat = { ...catalog, ad: { sponsored: true } }
    const rules = { sponsored: { positions: [2], max: 1 }, exploration: { positions: [2] } }
    const r = rerank([cand('ad'), ...pool()], ctx(cat, rules, 4))
    expect(ids(r)).toEqual(['a1', 'ad', 'a2', 'a3'])
  })
})
