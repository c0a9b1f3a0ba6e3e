import fc from 'fast-check'
import { anchorReason, RankResponse, type RankRequestInput } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFixtureStore, type FixtureStore } from './fixture-store'
import { rankCall, scorerOn, tempStore } from './harness'

/**
 * What the scorer serves is relevant (issue 17): the user's history is dropped before scoring where the rules say
 * `exclude_consumed` (the release's `consumed` artifact and the request's recent items), and an item-anchored request
 * serves the anchor's neighbours first. A real scorer over HTTP on a fixture store whose release carries a
 * `consumed` artifact.
 */
let store: Awaited<ReturnType<typeof tempStore>>
let fx: FixtureStore
let scorer: Awaited<ReturnType<typeof scorerOn>>

/** user-3 consumed every even item: half the catalog, so every source meets the history. */
const HISTORY = Array.from({ length: 300 }, (_, i) => `item-${2 * i}`)
const history = new Set(HISTORY)
const RECENT = ['item-1', 'item-3', 'item-5']

beforeAll(async () => {
  store = await tempStore()
  fx = await writeFixtureStore(store.dir, {
    tenant: 'hist',
    items: 600,
    seed: 11,
    consumed: { 'user-3': HISTORY },
  })
  scorer = await scorerOn(store.dir)
})
afterAll(async () => {
  await scorer?.close()
  await store?.remove()
})

const base = (over: Partial<RankRequestInput> = {}): RankRequestInput => ({
  tenant: 'hist',
  surface: 'home_feed',
  subject: 'u.user-3',
  recent_items: RECENT,
  session_items: ['item-20'],
  candidates: 400,
  limit: 200,
  ...over,
})

async function rank(body: RankRequestInput) {
  const res = await rankCall(scorer.url, body, { deadlineMs: 10_000 })
  expect(res.status).toBe(200)
  return RankResponse.parse(await res.json())
}

describe('exclude_consumed at the scorer', () => {
  it("drops the release's consumed items and the recent items from every source, and still fills the quotas", async () => {
    const r = await rank(base())
    expect(r.items.length).toBeGreaterThan(100)
    for (const it of r.items) {
      expect(history.has(it.item_id), it.item_id).toBe(false)
      expect(RECENT).not.toContain(it.item_id)
    }
    // The ANN asks past the history: its quota is still met with items the user has not consumed.
    expect(r.sources.ann).toMatchObject({ quota: 200, retrieved: 200 })
    for (const s of ['trending', 'editorial'] as const)
      expect(r.sources[s]!.retrieved).toBe(r.sources[s]!.quota)
  })

  it('with the rule off, the history may be served (a repeat-purchase domain)', async () => {
    const r = await rank(base({ exclude_consumed: false }))
    const served = r.items.filter((it) => history.has(it.item_id) || RECENT.includes(it.item_id))
    expect(served.length).toBeGreaterThan(20)
  })

  it('another user of the same release keeps their candidates: histories are per user', async () => {
    const r = await rank(base({ subject: 'u.user-4', recent_items: [] }))
    expect(r.items.filter((it) => history.has(it.item_id)).length).toBeGreaterThan(20)
  })

  it('property: whatever the request, a history item never comes back with the rule on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          surface: fc.constantFrom('home_feed', 'related_items'),
          anchor: fc.integer({ min: 0, max: 599 }),
          recent: fc.uniqueArray(fc.integer({ min: 0, max: 599 }), { maxLength: 8 }),
          candidates: fc.integer({ min: 20, max: 600 }),
          limit: fc.integer({ min: 1, max: 300 }),
          disabled: fc.subarray(['ann', 'item2item', 'trending', 'editorial'] as const),
        }),
        async (p) => {
          const recent = p.recent.map((i) => `item-${i}`)
          const r = await rank(
            base({
              surface: p.surface,
              ...(p.surface === 'related_items' && { anchor_item: `item-${p.anchor}` }),
              recent_items: recent,
              candidates: p.candidates,
              limit: p.limit,
              disabled_sources: [...p.disabled],
            }),
          )
          for (const it of r.items) {
            expect(history.has(it.item_id)).toBe(false)
            expect(recent).not.toContain(it.item_id)
            if (p.surface === 'related_items') expect(it.item_id).not.toBe(`item-${p.anchor}`)
          }
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('item-anchored requests', () => {
  const anchor = 'item-9'
  const eligible = (id: string) =>
    fx.catalog[id]!.available && !fx.denylist.includes(id) && !fx.traps.onlyInDE.includes(id)

  it("serve the anchor's neighbours first (source item2item, a reason naming the anchor), then the fill, never the anchor", async () => {
    const r = await rank(
      base({
        surface: 'related_items',
        anchor_item: anchor,
        subject: 'u.user-4',
        recent_items: [],
      }),
    )
    const neighbours = fx.neighbors[anchor]!.map((n) => n.item_id).filter(eligible)
    expect(neighbours.length).toBeGreaterThan(5)
    const head = r.items.slice(0, neighbours.length)
    expect(new Set(head.map((i) => i.item_id))).toEqual(new Set(neighbours))
    for (const it of head)
      expect(it).toMatchObject({ source: 'item2item', reason: anchorReason(anchor) })
    // The neighbours by score, then the personalised fill by score.
    for (let i = 1; i < head.length; i++)
      expect(head[i - 1]!.score).toBeGreaterThanOrEqual(head[i]!.score)
    const fill = r.items.slice(neighbours.length)
    expect(fill.length).toBeGreaterThan(50)
    for (const it of fill) expect(it.reason).not.toBe(anchorReason(anchor))
    for (let i = 1; i < fill.length; i++)
      expect(fill[i - 1]!.score).toBeGreaterThanOrEqual(fill[i]!.score)
    expect(r.items.map((i) => i.item_id)).not.toContain(anchor)
  })

  it('leave out the neighbours the user consumed, and keep the rest first', async () => {
    const r = await rank(base({ surface: 'related_items', anchor_item: anchor, recent_items: [] }))
    const fresh = fx.neighbors[anchor]!.map((n) => n.item_id).filter(
      (id) => eligible(id) && !history.has(id),
    )
    const head = r.items.slice(0, fresh.length)
    expect(new Set(head.map((i) => i.item_id))).toEqual(new Set(fresh))
    for (const it of r.items) expect(history.has(it.item_id)).toBe(false)
  })

  it('with a limit below the neighbour count serve neighbours only', async () => {
    const r = await rank(
      base({ surface: 'related_items', anchor_item: anchor, subject: 'u.user-4', limit: 3 }),
    )
    expect(r.items).toHaveLength(3)
    for (const it of r.items) expect(it.reason).toBe(anchorReason(anchor))
  })
})
