import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RerankRules } from '../contracts/artifacts'
import { TIERS } from '../contracts/common'
import { rerank } from './rerank'
import { cand, DAY, ids, NOW } from './rerank.fixtures'

// Properties over random pools and rules.

const ITEM_IDS = Array.from({ length: 14 }, (_, i) => `i${i}`)

const arbFlags = fc.record({
  available: fc.constant(true),
  categories: fc.subarray(['c1', 'c2', 'c3']),
  min_age: fc.constant(0),
  sponsored: fc.nat({ max: 3 }).map((n) => n === 3),
  safe: fc.boolean(),
  published_at: fc.option(fc.integer({ min: NOW - 60 * DAY, max: NOW }), { nil: undefined }),
})

const arbCatalog = fc
  .tuple(...ITEM_IDS.map(() => arbFlags))
  .map((fs) => new Map(ITEM_IDS.map((id, i) => [id, fs[i]!])))

const arbPool = fc
  .array(
    fc.record({
      id: fc.constantFrom(...ITEM_IDS),
      tier: fc.nat({ max: TIERS.length - 1 }),
      score: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    }),
    { maxLength: 30 },
  )
  .map((xs) =>
    [...xs].sort((a, b) => a.tier - b.tier).map((x) => cand(x.id, x.score, TIERS[x.tier]!)),
  )

const arbPositions = fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 })

const arbRules: fc.Arbitrary<RerankRules> = fc.record(
  {
    relevance_floor: fc.double({ min: 0, max: 1, noNaN: true }),
    freshness: fc.record({
      boost: fc.double({ min: 0, max: 3, noNaN: true }),
      half_life_days: fc.double({ min: 0.1, max: 30, noNaN: true }),
    }),
    category_cap: fc.record({
      max: fc.integer({ min: 1, max: 3 }),
      top_n: fc.integer({ min: 1, max: 10 }),
    }),
    sponsored: fc.record({ positions: arbPositions, max: fc.integer({ min: 0, max: 3 }) }),
    exploration: fc.record({ positions: arbPositions }),
  },
  { requiredKeys: [] },
)

const arbInput = fc.record({
  catalog: arbCatalog,
  pool: arbPool,
  rules: arbRules,
  limit: fc.integer({ min: 1, max: 12 }),
  seed: fc.string({ maxLength: 8 }),
})

describe('rerank: properties', () => {
  it('returns at most `limit` distinct items, all from the pool, and accounts for every pool entry', () => {
    fc.assert(
      fc.property(arbInput, ({ catalog, pool, rules, limit, seed }) => {
        const r = rerank(pool, { now: NOW, limit, catalog: (id) => catalog.get(id), rules, seed })
        const out = ids(r)
        expect(out.length).toBeLessThanOrEqual(limit)
        expect(new Set(out).size).toBe(out.length)
        for (const item of r.items) {
          const source = pool.find((c) => c.item_id === item.item_id)!
          expect(source).toBeDefined()
          expect(item).toMatchObject(source)
          expect(item.sponsored).toBe(catalog.get(item.item_id)!.sponsored)
        }
        // Every pool entry is served or removed with a reason, exactly once.
        expect(r.items.length + r.removed.length).toBe(pool.length)
      }),
      { numRuns: 500 },
    )
  })

  it('serves sponsored items only at sponsored positions (a short slate may end with them; a slate of sponsored items only whose slots lie beyond `limit` starts with them), at most `max`', () => {
    fc.assert(
      fc.property(arbInput, ({ catalog, pool, rules, limit, seed }) => {
        const spons = rules.sponsored
        if (!spons) return
        const r = rerank(pool, { now: NOW, limit, catalog: (id) => catalog.get(id), rules, seed })
        const at = r.items.flatMap((item, i) => (item.sponsored ? [i + 1] : []))
        expect(at.length).toBeLessThanOrEqual(spons.max)
        // Sponsored items only, and no slot within `limit`: they fail open to the first positions.
        const fallOpen =
          r.items.every((x) => x.sponsored) && spons.positions.every((q) => q > limit)
        for (const p of at) {
          if (spons.positions.includes(p)) continue
          if (fallOpen) continue
          // Only when the slate is too short to reach a slot does its sponsored item close the slate.
          expect(r.items.length).toBeLessThan(limit)
          expect(r.items.slice(p - 1).every((x) => x.sponsored)).toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('fills exploration slots only with safe, organic items', () => {
    fc.assert(
      fc.property(arbInput, ({ catalog, pool, rules, limit, seed }) => {
        const r = rerank(pool, { now: NOW, limit, catalog: (id) => catalog.get(id), rules, seed })
        r.items.forEach((item, i) => {
          if (!item.rules.includes('exploration_slot')) return
          expect(rules.exploration?.positions).toContain(i + 1)
          expect(catalog.get(item.item_id)).toMatchObject({ safe: true, sponsored: false })
        })
      }),
      { numRuns: 500 },
    )
  })

  it('breaks the category cap within `top_n` only when no remaining item could keep it', () => {
    fc.assert(
      fc.property(arbInput, ({ catalog, pool, rules, limit, seed }) => {
        const cap = rules.category_cap
        if (!cap) return
        const only = {
          category_cap: cap,
          relevance_floor: rules.relevance_floor,
          freshness: rules.freshness,
        }
        const r = rerank(pool, {
          now: NOW,
          limit,
          catalog: (id) => catalog.get(id),
          rules: only,
          seed,
        })
        const cats = (id: string) => catalog.get(id)!.categories
        const counts = new Map<string, number>()
        const top = r.items.slice(0, cap.top_n)
        const k = top.findIndex((item) => {
          const over = cats(item.item_id).some((c) => (counts.get(c) ?? 0) >= cap.max)
          for (const c of cats(item.item_id)) counts.set(c, (counts.get(c) ?? 0) + 1)
          return over
        })
        if (k < 0) return
        const before = new Map<string, number>()
        for (const item of r.items.slice(0, k))
          for (const c of cats(item.item_id)) before.set(c, (before.get(c) ?? 0) + 1)
        for (const item of r.items.slice(k))
          expect(cats(item.item_id).some((c) => (before.get(c) ?? 0) >= cap.max)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('keeps the ladder order of tiers when only the floor and freshness apply', () => {
    fc.assert(
      fc.property(arbInput, ({ catalog, pool, rules, limit, seed }) => {
        const only = { relevance_floor: rules.relevance_floor, freshness: rules.freshness }
        const r = rerank(pool, {
          now: NOW,
          limit,
          catalog: (id) => catalog.get(id),
          rules: only,
          seed,
        })
        const ranks = r.items.map((i) => TIERS.indexOf(i.tier))
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
      }),
      { numRuns: 300 },
    )
  })

  it('never returns an empty slate from a non-empty pool unless the sponsored rule forbids every item', () => {
    fc.assert(
      fc.property(arbInput, ({ catalog, pool, rules, limit, seed }) => {
        const r = rerank(pool, { now: NOW, limit, catalog: (id) => catalog.get(id), rules, seed })
        const spons = rules.sponsored
        const placeable = !spons || (spons.max > 0 && spons.positions.some((p) => p <= limit))
        const organic = pool.some((c) => !catalog.get(c.item_id)!.sponsored)
        if (pool.length > 0 && (organic || placeable)) expect(r.items.length).toBeGreaterThan(0)
      }),
      { numRuns: 500 },
    )
  })
})
