import { SELF } from 'cloudflare:test'
import { anchorReason, type ReleaseSpec } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { baseSpec, createKey, newTenant, publish, seedUser } from './fixtures'
import { waitForLog } from './log-reader'
import { recommend } from './request'
import { seedRecent } from './scorer-fixture'

/**
 * Relevance at the edge without a scorer (issue 17): `exclude_consumed` drops the user's recent items (their history
 * in user state) on every tier the ladder reads, with stage and reason `consumed` in debug and the decision log;
 * item-anchored surfaces serve the anchor's neighbours first, with a reason naming the anchor.
 * The scorer-facing tier (`ranked`) is covered in ranked.test.ts.
 */

/**
 * u1's history: part of every list of baseSpec (user slate i31–i35, segment i39–i40, popular i1–i30, which is also
 * the emergency list). A request for 40 items reads every tier: all lists together hold fewer.
 */
const HISTORY = ['i32', 'i39', 'i2', 'i5']

async function setUp(over: Partial<ReleaseSpec> = {}) {
  const tenant = newTenant('rel')
  await publish(baseSpec(tenant, over))
  await seedUser(tenant, 'u1', { consent: true, segment: 'seg-a' })
  await seedRecent(tenant, 'u1', HISTORY)
  return { tenant, key: await createKey(tenant, ['recommend', 'debug']) }
}

const home = (extra: Record<string, unknown> = {}) => ({
  surface: 'home_feed',
  subject: { user_id: 'u1' },
  limit: 40,
  debug: true,
  ...extra,
})

describe('exclude_consumed at the edge', () => {
  it("never serves the user's recent items, on any tier, and says why in debug", async () => {
    const { key } = await setUp()
    // The first request of a tenant makes this isolate hold its popular list: the emergency tier has one from then.
    await recommend(key, home())
    const { status, json } = await recommend(key, home())
    expect(status).toBe(200)
    const served: string[] = json.items.map((i: { item_id: string }) => i.item_id)
    for (const id of HISTORY) expect(served).not.toContain(id)
    // The ladder read cached_user, segment, global_popular and emergency: each dropped its part of the history.
    const tried = json.debug.tiers_tried.filter((t: any) => !t.status.startsWith('skipped'))
    expect(tried.map((t: any) => t.tier)).toEqual([
      'cached_user',
      'segment',
      'global_popular',
      'emergency',
    ])
    const consumed = json.debug.removed.filter((r: any) => r.reason === 'consumed')
    for (const r of consumed) expect(r.stage).toBe('consumed')
    expect(consumed.map((r: any) => `${r.tier}:${r.item_id}`).sort()).toEqual(
      [
        'cached_user:i32',
        'segment:i39',
        'global_popular:i2',
        'global_popular:i5',
        'emergency:i2',
        'emergency:i5',
      ].sort(),
    )
  })

  it('with the rule off (a repeat-purchase domain) the recent items are served', async () => {
    const { key } = await setUp({
      rules: {
        default: { version: 'repeat', eligibility: { exclude_consumed: false }, rerank: {} },
      },
    })
    const { json } = await recommend(key, home())
    const served: string[] = json.items.map((i: { item_id: string }) => i.item_id)
    for (const id of HISTORY) expect(served).toContain(id)
    expect(json.debug.removed.filter((r: any) => r.reason === 'consumed')).toEqual([])
  })

  it('in a non-personalized request the stored history is not read (personal data)', async () => {
    const { key } = await setUp()
    const { json } = await recommend(key, home({ privacy_mode: 'non_personalized' }))
    expect(json.metadata.privacy_mode).toBe('non_personalized')
    expect(json.debug.removed.filter((r: any) => r.reason === 'consumed')).toEqual([])
  })

  it('the decision log records each removal with stage and reason consumed', async () => {
    const { tenant, key } = await setUp()
    // Through the Worker's own entry: the producer binding, the queue and the consumer are Miniflare's.
    const res = await SELF.fetch('https://edge.test/v1/recommendations', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...home({ debug: false }), request_id: 'consumed-1' }),
    })
    expect(res.status).toBe(200)
    const recs = await waitForLog(`${tenant}/`, (rs) =>
      rs.some((r) => r.kind === 'decision' && r.request_id === 'consumed-1'),
    )
    const rec = recs.find((r) => r.request_id === 'consumed-1')
    expect(rec.removed).toContainEqual({
      item_id: 'i32',
      tier: 'cached_user',
      stage: 'consumed',
      reason: 'consumed',
    })
    expect(rec.removed).toContainEqual({
      item_id: 'i2',
      tier: 'global_popular',
      stage: 'consumed',
      reason: 'consumed',
    })
  })
})

describe('item-anchored surfaces at the edge', () => {
  const related = (anchor: string, extra: Record<string, unknown> = {}) => ({
    surface: 'related_items',
    subject: { anonymous_id: 'a1' },
    context: { item_id: anchor },
    limit: 10,
    debug: true,
    ...extra,
  })

  it("serve the anchor's slate first, with a reason naming the anchor, then the fill, never the anchor", async () => {
    // baseSpec's slate of i1 lists i1 itself and gives no reasons (a slate another system produced): the edge drops
    // the anchor and names it in the reason.
    const { key } = await setUp()
    const { json } = await recommend(key, related('i1'))
    expect(json.metadata.tier).toBe('cached_user')
    const items: Array<{ item_id: string; reason: string; source: string }> = json.items
    expect(items.map((i) => i.item_id)).not.toContain('i1')
    expect(items.slice(0, 3)).toEqual([
      expect.objectContaining({ item_id: 'i36', source: 'item2item', reason: anchorReason('i1') }),
      expect.objectContaining({ item_id: 'i37', source: 'item2item', reason: anchorReason('i1') }),
      expect.objectContaining({ item_id: 'i38', source: 'item2item', reason: anchorReason('i1') }),
    ])
    expect(items.length).toBe(10)
    for (const it of items.slice(3)) expect(it.reason).not.toBe(anchorReason('i1'))
  })

  it('an anchor without a slate is served the fill only, never itself', async () => {
    const { key } = await setUp()
    const { json } = await recommend(key, related('i3'))
    const ids = json.items.map((i: { item_id: string }) => i.item_id)
    expect(ids.length).toBe(10)
    expect(ids).not.toContain('i3')
    expect(json.metadata.tier).toBe('global_popular')
  })
})
