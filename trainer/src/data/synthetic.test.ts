import { describe, expect, it } from 'vitest'
import { DAY_MS } from './dataset'
import { DEMO_CATEGORIES, syntheticDataset } from './synthetic'

const start = Date.UTC(2026, 0, 1)

describe('syntheticDataset', () => {
  it('is deterministic for a seed, byte for byte, and changes with the seed', () => {
    const a = JSON.stringify(syntheticDataset({ seed: 7, start }))
    expect(JSON.stringify(syntheticDataset({ seed: 7, start }))).toBe(a)
    expect(JSON.stringify(syntheticDataset({ seed: 8, start }))).not.toBe(a)
  })

  it('has the demo sizes by default, and the sizes it is asked for', () => {
    const d = syntheticDataset({ seed: 1, start })
    expect(d.items).toHaveLength(1000)
    expect(d.users).toHaveLength(500)
    // Each user draws 15..45 interactions (mean 30).
    expect(d.interactions.length).toBeGreaterThan(500 * 27)
    expect(d.interactions.length).toBeLessThan(500 * 33)
    const small = syntheticDataset({ seed: 1, start, items: 20, users: 6, interactionsPerUser: 4 })
    expect(small.items.map((i) => i.item_id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `item-${i + 1}`),
    )
    expect(small.users.map((u) => u.user_id)).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6'])
    expect(small.users.map((u) => u.cluster)).toEqual([0, 1, 2, 3, 0, 1])
    const perUser = new Map<string, number>()
    for (const x of small.interactions) perUser.set(x.user_id, (perUser.get(x.user_id) ?? 0) + 1)
    expect(perUser.size).toBe(6)
    for (const n of perUser.values()) expect(n >= 2 && n <= 6).toBe(true)
  })

  it('spreads interactions over the days before start, after each item is published, in time order', () => {
    const d = syntheticDataset({ seed: 3, start, days: 10 })
    const published = new Map(d.items.map((i) => [i.item_id, i.published_at]))
    const items = new Set(d.items.map((i) => i.item_id))
    const users = new Set(d.users.map((u) => u.user_id))
    const bad = d.interactions.filter(
      (x, i) =>
        x.ts < start - 10 * DAY_MS ||
        x.ts >= start ||
        x.ts < published.get(x.item_id)! ||
        x.ts < (d.interactions[i - 1]?.ts ?? -Infinity) ||
        (x.weight !== 1 && x.weight !== 3) ||
        !items.has(x.item_id) ||
        !users.has(x.user_id),
    )
    expect(bad).toEqual([])
    const span = d.interactions.at(-1)!.ts - d.interactions[0]!.ts
    expect(span).toBeGreaterThan(9 * DAY_MS)
  })

  it('has Zipf popularity and clusters that prefer their categories', () => {
    const d = syntheticDataset({ seed: 5, start })
    const count = (id: string) => d.interactions.filter((x) => x.item_id === id).length
    const head = count('item-1') + count('item-2') + count('item-3') + count('item-4')
    const tail = count('item-901') + count('item-902') + count('item-903') + count('item-904')
    expect(head).toBeGreaterThan(20 * Math.max(1, tail))
    // Cluster 0 likes action and comedy (2 of 8 categories): far more than a quarter of its interactions.
    const primary = new Map(d.items.map((i) => [i.item_id, i.categories[0]]))
    const cluster0 = new Set(d.users.filter((u) => u.cluster === 0).map((u) => u.user_id))
    const mine = d.interactions.filter((x) => cluster0.has(x.user_id))
    const liked = mine.filter((x) => ['action', 'comedy'].includes(primary.get(x.item_id)!))
    expect(liked.length / mine.length).toBeGreaterThan(0.6)
  })

  it("keeps the demo's catalog flags", () => {
    const d = syntheticDataset({ seed: 9, start, items: 200 })
    const byId = new Map(d.items.map((i) => [i.item_id, i]))
    expect(byId.get('item-50')!.available).toBe(false)
    expect(byId.get('item-51')!.available).toBe(true)
    expect(byId.get('item-1')!.sponsored).toBe(true)
    expect(byId.get('item-98')!.sponsored).toBe(true)
    expect(byId.get('item-2')!.sponsored).toBe(false)
    for (const it of d.items) {
      expect(it.categories[0]).toBe(DEMO_CATEGORIES[(Number(it.item_id.slice(5)) - 1) % 8])
      expect(new Set(it.categories).size).toBe(it.categories.length)
      expect(it.min_age).toBe(it.categories.includes('horror') ? 18 : 0)
      expect(it.safe).toBe(it.categories.every((c) => c === 'family' || c === 'documentary'))
      expect(it.published_at).toBeLessThan(start)
      expect(it.title).toMatch(/^\w+ \w+$/)
    }
  })

  it('generates the demo dataset without running away (tens of ms when idle)', () => {
    // Not a speed promise, which a loaded machine cannot keep: a bound ~100 times the idle time, that only a
    // generator gone wrong (a loop that does not end, work that grows far beyond linear) reaches.
    const t0 = performance.now()
    syntheticDataset({ seed: 11, start })
    expect(performance.now() - t0).toBeLessThan(10_000)
  })
})
