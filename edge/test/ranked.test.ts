import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchorReason, RANK_SOURCES, redisKeys } from '@recsys/shared'
import { breakerFor } from '../src/adapters/scorer/circuit-breaker'
import { createKey, engage, publish, redis, release, seedUser } from './fixtures'
import { until } from './poll'
import { recommend } from './request'
import { DEADLINE_MS, fx, lane, laneStats, scorerSpec, seedRecent } from './scorer-fixture'

/**
 * Tier `ranked` against the real scorer process (gpu-scorer/src/main.ts over a fixture store, started by the global
 * setup) behind the fault proxy: each test uses its own proxy lane (its own fault, request count and breaker).
 * docs/architecture.md#fail-open-fail-closed: a scorer that is slow, down or returns garbage fails open to the next
 * tier, degraded.
 */
const tenant = fx.tenant
const suppressed = () => Object.keys(fx.catalog).slice(100, 103)
const home = (user: string, extra: Record<string, unknown> = {}) => ({
  surface: 'home_feed',
  subject: { user_id: user },
  context: { session_item_ids: ['item-7', 'item-8'], country: 'FR' },
  limit: 10,
  ...extra,
})
const tombstoned = 'item-104'
const engaged: string[] = []

/** The spine's invariants on a served slate (docs/architecture.md#final-eligibility), whatever tier served it. */
function expectInvariants(json: any, opts: { suppressed?: string[] } = {}) {
  const ids: string[] = json.items.map((i: { item_id: string }) => i.item_id)
  expect(ids.length).toBeGreaterThan(0)
  expect(new Set(ids).size).toBe(ids.length)
  expect(json.items.map((i: { position: number }) => i.position)).toEqual(ids.map((_, i) => i + 1))
  const never = new Set([
    ...fx.denylist,
    ...fx.traps.denied,
    ...fx.traps.unavailable,
    ...fx.traps.onlyInDE, // requests come from FR
    ...(opts.suppressed ?? []),
    tombstoned,
  ])
  for (const id of ids) expect(never.has(id), `${id} must not be served`).toBe(false)
}

/**
 * An item-anchored slate: the anchor's neighbours come first (source item2item, a reason naming the anchor), then
 * the fill, never the anchor itself.
 */
function expectNeighboursFirst(json: any, anchor: string) {
  const items: Array<{ item_id: string; source: string; reason: string }> = json.items
  const near = new Set(fx.neighbors[anchor])
  const head = items.filter((it) => it.reason === anchorReason(anchor))
  expect(head.length).toBeGreaterThan(3)
  expect(items.slice(0, head.length)).toEqual(head)
  for (const it of head) {
    expect(near.has(it.item_id), it.item_id).toBe(true)
    expect(it.source).toBe('item2item')
  }
  expect(items.length).toBeGreaterThan(head.length)
  expect(items.map((it) => it.item_id)).not.toContain(anchor)
}

describe('tier ranked (real scorer behind the fault proxy)', () => {
  let key: string
  let debugKey: string
  beforeAll(async () => {
    await publish(scorerSpec())
    key = await createKey(tenant)
    debugKey = await createKey(tenant, ['recommend', 'debug'])
    for (const u of fx.users.slice(0, 4))
      await seedUser(tenant, u, { consent: true, suppressedItems: suppressed() })
    await seedUser(tenant, 'user-6', { consent: true })
    await seedRecent(tenant, 'user-6', ['item-1', 'item-3', 'item-5'])
    await seedRecent(tenant, 'user-1', ['item-20', 'item-21', 'item-22'])
    await redis().sadd(redisKeys.tombstones(tenant), tombstoned)
  })
  afterAll(async () => {
    for (const name of engaged) await release(name)
  })

  it('healthy: serves ranked with the scorer’s sources and reasons, not degraded', async () => {
    const e = await lane('healthy')
    const { status, json } = await recommend(debugKey, home('user-1', { debug: true }), e)
    expect(status).toBe(200)
    expect(json.metadata).toMatchObject({ tier: 'ranked', degraded: false })
    for (const it of json.items) {
      expect(RANK_SOURCES).toContain(it.source)
      expect(typeof it.reason).toBe('string')
    }
    expect(json.debug.items.every((i: any) => typeof i.score === 'number')).toBe(true)
    expectInvariants(json, { suppressed: suppressed() })

    // What reached the scorer: one call, the service token, a deadline inside the surface's, the request's context.
    const { requests, last } = await laneStats('healthy')
    expect(requests).toBe(1)
    expect(last!.headers.authorization).toBe(`Bearer ${fx.token}`)
    const deadline = Number(last!.headers['x-deadline-ms'])
    expect(deadline).toBeGreaterThan(0)
    expect(deadline).toBeLessThanOrEqual(DEADLINE_MS - 10)
    expect(last!.body).toMatchObject({
      tenant,
      surface: 'home_feed',
      subject: 'u.user-1',
      recent_items: ['item-20', 'item-21', 'item-22'],
      session_items: ['item-7', 'item-8'],
      country: 'FR',
      disabled_sources: [],
    })
    expect(last!.body.limit).toBeGreaterThanOrEqual(10)
    expect(last!.body.exclude).toEqual(expect.arrayContaining([...suppressed(), tombstoned]))
  })

  it('final eligibility still applies to ranked items: a suppressed category the scorer is not told about', async () => {
    const e = await lane('eligibility')
    const first = await recommend(key, home('user-2'), e)
    expect(first.json.metadata.tier).toBe('ranked')
    const top = first.json.items[0].item_id as string
    const cats = fx.catalog[top]!.categories
    await seedUser(tenant, 'user-2', { suppressedCategories: cats })
    const { json } = await recommend(key, home('user-2'), e)
    expect(json.metadata.tier).toBe('ranked')
    for (const it of json.items)
      expect(fx.catalog[it.item_id]!.categories.some((c) => cats.includes(c))).toBe(false)
    expectInvariants(json, { suppressed: suppressed() })
  })

  it("an item-anchored surface sends the anchor item and serves the anchor's neighbours first", async () => {
    const e = await lane('anchored')
    const { json } = await recommend(
      key,
      {
        surface: 'related_items',
        subject: { user_id: 'user-1' },
        context: { item_id: 'item-9' },
        limit: 30,
      },
      e,
    )
    expect(json.metadata.tier).toBe('ranked')
    expect((await laneStats('anchored')).last!.body.anchor_item).toBe('item-9')
    expect(json.items.map((i: any) => i.item_id)).not.toContain('item-9')
    expectNeighboursFirst(json, 'item-9')
  })

  it("exclude_consumed: the release's history of the user and their recent items never come back from ranked", async () => {
    const e = await lane('consumed')
    const history = new Set([...fx.consumed['user-6']!, 'item-1', 'item-3', 'item-5'])
    const { json } = await recommend(debugKey, home('user-6', { limit: 40, debug: true }), e)
    expect(json.metadata).toMatchObject({ tier: 'ranked', degraded: false })
    expect(json.items).toHaveLength(40)
    for (const it of json.items) expect(history.has(it.item_id), it.item_id).toBe(false)
    expect((await laneStats('consumed')).last!.body).toMatchObject({
      subject: 'u.user-6',
      recent_items: ['item-1', 'item-3', 'item-5'],
      exclude_consumed: true,
    })
  })

  it('rules of another release: exclude_consumed off reaches the scorer, and anchored neighbours stay first under freshness', async () => {
    const e = await lane('rules')
    const surfaces = scorerSpec().config.surfaces.map((sf) => ({
      ...sf,
      rules: sf.id === 'home_feed' ? 'repeat' : 'fresh',
    }))
    const spec = scorerSpec({
      release: 'r-rules',
      config: { tenant, surfaces },
      rules: {
        // A repeat-purchase domain: the history may be served again.
        repeat: { version: 'repeat', eligibility: { exclude_consumed: false }, rerank: {} },
        // Freshness re-sorts a tier by score: the anchor's neighbours must keep their place ahead of the fill.
        fresh: { version: 'fresh', rerank: { freshness: { boost: 0.5, half_life_days: 30 } } },
      },
    })
    try {
      await publish(spec)
      await until(
        async () => (await recommend(key, home('user-6'), e)).json.metadata.release === 'r-rules',
      )
      const history = new Set(fx.consumed['user-6'])
      const repeat = await recommend(key, home('user-6', { limit: 40 }), e)
      expect(repeat.json.metadata.tier).toBe('ranked')
      expect((await laneStats('rules')).last!.body.exclude_consumed).toBe(false)
      expect(repeat.json.items.some((i: any) => history.has(i.item_id))).toBe(true)

      for (const anchor of ['item-9', 'item-33', 'item-71']) {
        const { json } = await recommend(
          key,
          {
            surface: 'related_items',
            subject: { user_id: 'user-6' },
            context: { item_id: anchor },
            limit: 30,
          },
          e,
        )
        expect(json.metadata.tier).toBe('ranked')
        for (const it of json.items) expect(history.has(it.item_id), it.item_id).toBe(false)
        expectNeighboursFirst(json, anchor)
      }
    } finally {
      await publish(scorerSpec())
      await until(
        async () => (await recommend(key, home('user-6'), e)).json.metadata.release === 'r1',
      )
    }
  })

  const faults = [
    ['down (connection dropped)', { mode: 'down' }],
    // Far past the deadline: had the edge waited for it, the answer would come and `ranked` would serve.
    ['slower than the deadline', { mode: 'delay', ms: 20_000 }],
    ['500', { mode: 'status', status: 500 }],
    ['malformed JSON', { mode: 'malformed' }],
    ['NaN scores as null', { mode: 'nan', as: 'null' }],
    ['NaN scores as "NaN"', { mode: 'nan', as: 'string' }],
  ] as const
  for (const [name, fault] of faults) {
    it(`scorer ${name}: falls to cached_user, degraded, invariants hold`, async () => {
      const id = `fault-${fault.mode}-${'as' in fault ? fault.as : ''}`
      const e = await lane(id, fault)
      const { status, json } = await recommend(debugKey, home('user-1', { debug: true }), e)
      expect(status).toBe(200)
      expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: true })
      expect(json.debug.tiers_tried[0]).toMatchObject({ tier: 'ranked' })
      expect(json.debug.tiers_tried[0].status).toMatch(/^failed: scorer: /)
      expectInvariants(json, { suppressed: suppressed() })
      const { requests, last } = await laneStats(id)
      expect(requests).toBe(1)
      // A slow scorer is abandoned by the edge's own timer at the budget it sent, not waited for.
      if (fault.mode === 'delay')
        expect(json.debug.tiers_tried[0].status).toBe(
          `failed: scorer: timeout after ${last!.headers['x-deadline-ms']} ms`,
        )
    })
  }

  it('scorer unreachable (connection refused): falls to cached_user, degraded', async () => {
    const e = await lane('refused', { mode: 'pass' }, { url: 'http://127.0.0.1:9' })
    const { json } = await recommend(key, home('user-1'), e)
    expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: true })
    expectInvariants(json, { suppressed: suppressed() })
  })

  it('flapping: every other call fails; each response says which', async () => {
    const e = await lane('flapping', { mode: 'flapping' })
    const tiers: Array<[string, boolean]> = []
    for (let i = 0; i < 4; i++) {
      const { json } = await recommend(key, home('user-1'), e)
      expectInvariants(json, { suppressed: suppressed() })
      tiers.push([json.metadata.tier, json.metadata.degraded])
    }
    expect(tiers).toEqual([
      ['ranked', false],
      ['cached_user', true],
      ['ranked', false],
      ['cached_user', true],
    ])
  })

  it('the breaker opens after consecutive failures (no calls while open) and recovers after the pause', async () => {
    const e = await lane('breaker', { mode: 'status', status: 500 }, { failures: 3, pauseMs: 600 })
    // This lane's breaker, made here before the app asks for it, on a clock the test moves: "while open" and "after
    // the pause" are the breaker's decisions, not how fast the machine runs the requests in between.
    let now = 0
    const breaker = breakerFor(e.SCORER_URL!, { failures: 3, pauseMs: 600 }, () => now)
    expect(breaker.state).toBe('closed')
    for (let i = 0; i < 3; i++) await recommend(key, home('user-1'), e)
    expect((await laneStats('breaker')).requests).toBe(3)
    // Open: skipped at once, degraded, and nothing reaches the scorer.
    for (let i = 0; i < 3; i++) {
      const { json } = await recommend(debugKey, home('user-1', { debug: true }), e)
      expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: true })
      expect(json.debug.tiers_tried[0]).toMatchObject({
        tier: 'ranked',
        status: 'skipped: circuit open',
      })
      expectInvariants(json, { suppressed: suppressed() })
    }
    expect((await laneStats('breaker')).requests).toBe(3)

    // One ms short of the pause it is still open; after it one trial goes through; it fails, so it opens again.
    now += 599
    await recommend(key, home('user-1'), e)
    expect((await laneStats('breaker')).requests).toBe(3)
    now += 1
    await recommend(key, home('user-1'), e)
    expect((await laneStats('breaker')).requests).toBe(4)
    await recommend(key, home('user-1'), e)
    expect((await laneStats('breaker')).requests).toBe(4)

    // The scorer recovers: the next trial succeeds and the circuit closes.
    await lane('breaker', { mode: 'pass' }, { failures: 3, pauseMs: 600 })
    now += 600
    for (let i = 0; i < 2; i++) {
      const { json } = await recommend(key, home('user-1'), e)
      expect(json.metadata).toMatchObject({ tier: 'ranked', degraded: false })
    }
    expect((await laneStats('breaker')).requests).toBe(6)
  })

  it('answers about this tenant alone (404, or 503 scoped to the tenant) fail the rung but never open the breaker', async () => {
    const cases = [
      ['scoped-404', { mode: 'status', status: 404 }],
      ['scoped-503', { mode: 'status', status: 503, scope: 'tenant' }],
    ] as const
    for (const [id, fault] of cases) {
      const e = await lane(id, fault, { failures: 2, pauseMs: 60_000 })
      for (let i = 0; i < 5; i++) {
        const { json } = await recommend(key, home('user-1'), e)
        expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: true })
      }
      // Every call reached the scorer: the circuit never opened.
      expect((await laneStats(id)).requests).toBe(5)
    }
    // The same 503 without the scope is the scorer's own trouble: the circuit opens after 2.
    const e = await lane(
      'unscoped-503',
      { mode: 'status', status: 503 },
      { failures: 2, pauseMs: 60_000 },
    )
    for (let i = 0; i < 5; i++) await recommend(key, home('user-1'), e)
    expect((await laneStats('unscoped-503')).requests).toBe(2)
  })

  it('kill switch edge.scorer: no call reaches the scorer, not degraded', async () => {
    const e = await lane('killed')
    const name = `tenant:${tenant}:edge.scorer`
    engaged.push(name)
    await engage(name)
    await until(
      async () => (await recommend(key, home('user-3'), e)).json.metadata.tier !== 'ranked',
    )
    const before = (await laneStats('killed')).requests
    const { json } = await recommend(debugKey, home('user-3', { debug: true }), e)
    expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: false })
    expect(json.debug.tiers_tried[0]).toMatchObject({
      tier: 'ranked',
      status: 'skipped: kill switch edge.scorer',
    })
    expect((await laneStats('killed')).requests).toBe(before)
    await release(name)
    await until(
      async () => (await recommend(key, home('user-3'), e)).json.metadata.tier === 'ranked',
    )
  })

  it('kill switch source.<id> reaches the scorer as disabled_sources', async () => {
    const e = await lane('sources')
    const name = `tenant:${tenant}:source.trending`
    engaged.push(name)
    await engage(name)
    await until(
      async () =>
        (await recommend(key, home('user-3'), e)) &&
        (await laneStats('sources')).last?.body.disabled_sources?.includes('trending') === true,
    )
    const { json } = await recommend(key, home('user-3'), e)
    expect(json.metadata.tier).toBe('ranked')
    expect((await laneStats('sources')).last!.body.disabled_sources).toEqual(['trending'])
    for (const it of json.items) expect(it.source).not.toBe('trending')
    await release(name)
    // Gone from the isolate's switch cache before another test reads what reaches the scorer.
    await until(
      async () =>
        (await recommend(key, home('user-3'), e)) &&
        (await laneStats('sources')).last?.body.disabled_sources?.length === 0,
    )
  })

  it('without user state or personalization the scorer is not called', async () => {
    const e = await lane('private')
    const { json } = await recommend(
      debugKey,
      home('user-1', { debug: true, privacy_mode: 'non_personalized' }),
      e,
    )
    expect(json.metadata.tier).toBe('global_popular')
    expect(json.debug.tiers_tried[0]).toMatchObject({
      tier: 'ranked',
      status: 'skipped: privacy mode non_personalized',
    })
    expect((await laneStats('private')).requests).toBe(0)
  })
})
