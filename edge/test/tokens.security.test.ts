import fc from 'fast-check'
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { mintTrackingToken, redisKeys, type TrackingClaims } from '@recsys/shared'
import type { Env } from '../src/env'
import { UpstashUserState } from '../src/adapters/user-state/upstash'
import { ingestEvents } from '../src/events/ingest'
import { baseSpec, createKey, envWith, newTenant, publish, redis, seedUser } from './fixtures'
import { postEvents, recommend } from './request'

/**
 * Issue 18, findings 2, 11 and 14 (anonymous tokens): tracking tokens expire, a served slot counts once per event
 * type whatever the `event_id`, a signed token of the wrong shape is a rejected event (never a 500), and tokens
 * served to anonymous visitors can be used in events. Each case here failed on the code before the fix.
 */

const TTL_S = Number(env.TRACKING_TOKEN_TTL_S)
let seq = 0
const eid = () => `sec-${crypto.randomUUID().slice(0, 8)}-${seq++}`
const iso = (ms = Date.now()) => new Date(ms).toISOString()

let tenant: string
let key: string

beforeAll(async () => {
  tenant = newTenant('sec-tok')
  await publish(baseSpec(tenant))
  key = await createKey(tenant)
  for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) await seedUser(tenant, u, { consent: true })
})

/** The first item served to `user` and its token. */
async function servedItem(user: string) {
  const r = await recommend(key, { surface: 'home_feed', subject: { user_id: user }, limit: 5 })
  expect(r.status).toBe(200)
  return r.json.items[0] as { item_id: string; tracking_token: string; position: number }
}

/** A token signed with the edge's secret for `user` and `item`, with claims as given. */
const signed = (user: string, item: string, over: Partial<TrackingClaims> = {}) =>
  mintTrackingToken(env.TRACKING_SECRET, {
    t: tenant,
    u: `u.${user}`,
    s: crypto.randomUUID(),
    i: item,
    p: 1,
    tier: 'cached_user',
    r: 'r1',
    ts: Math.floor(Date.now() / 1000),
    ...over,
  } as TrackingClaims)

const tokened = (type: string, user: string, item: string, tracking_token: string) => ({
  event_id: eid(),
  type,
  user_id: user,
  item_id: item,
  tracking_token,
  event_time: iso(),
})

describe('tracking tokens expire', () => {
  it('a token older than TRACKING_TOKEN_TTL_S, or minted ahead of the edge clock, is rejected; one within is accepted', async () => {
    const now = Math.floor(Date.now() / 1000)
    const cases: Array<[number, string | undefined]> = [
      [0, 'token_expired'], // the review's forged click had ts = 0
      [now - TTL_S - 60, 'token_expired'],
      [now + 3_600, 'token_expired'],
      [now - TTL_S + 60, undefined],
    ]
    const events = await Promise.all(
      cases.map(async ([ts], i) =>
        tokened('click', 'u1', `i${i + 1}`, await signed('u1', `i${i + 1}`, { ts })),
      ),
    )
    const r = await postEvents(key, events)
    expect(r.status).toBe(202)
    expect(r.json.accepted).toBe(1)
    expect(r.json.rejected.map((x: any) => [x.index, x.code])).toEqual(
      cases.flatMap(([, code], i) => (code ? [[i, code]] : [])),
    )
    expect(r.json.rejected[0].message).toMatch(/expired/)
  })

  it('checks the lifetime against the ingestion clock (injected): a served token expires TTL after serving', async () => {
    const item = await servedItem('u2')
    const ingest = (now: number) =>
      ingestEvents(
        {
          state: new UpstashUserState({
            url: env.UPSTASH_REDIS_REST_URL,
            token: env.UPSTASH_REDIS_REST_TOKEN,
          }),
          queue: env.LOG_QUEUE,
          secret: env.TRACKING_SECRET,
          tokenTtlS: TTL_S,
        },
        {
          tenant,
          keyId: 'k',
          callId: crypto.randomUUID(),
          events: [tokened('impression', 'u2', item.item_id, item.tracking_token)],
          now,
        },
      )
    const late = await ingest(Date.now() + (TTL_S + 60) * 1000)
    expect(late.rejected.map((x) => x.code)).toEqual(['token_expired'])
    const inTime = await ingest(Date.now() + (TTL_S - 60) * 1000)
    expect(inTime).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
  })
})

describe('a served slot counts once per event type, whatever the event_id', () => {
  it('the same token sent three times with fresh event_ids counts once, across calls and within one', async () => {
    const item = await servedItem('u3')
    const click = () => tokened('click', 'u3', item.item_id, item.tracking_token)
    expect((await postEvents(key, [click()])).json).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [],
    })
    expect((await postEvents(key, [click(), click()])).json).toEqual({
      accepted: 0,
      duplicates: 2,
      rejected: [],
    })
    // The impression of the same slot is another type: it counts once too.
    const imp = () => tokened('impression', 'u3', item.item_id, item.tracking_token)
    expect((await postEvents(key, [imp(), imp()])).json).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: [],
    })
    // Frequency caps saw one impression.
    const imps = await redis().zrange(redisKeys.impressions(tenant, 'u.u3'), 0, -1)
    expect(imps.filter((m) => String(m).startsWith(`${item.item_id}|`))).toHaveLength(1)
  })

  it('concurrent replays of one token count once', async () => {
    const item = await servedItem('u4')
    const calls = await Promise.all(
      Array.from({ length: 6 }, () =>
        postEvents(key, [tokened('click', 'u4', item.item_id, item.tracking_token)]),
      ),
    )
    expect(calls.map((c) => c.status)).toEqual(Array(6).fill(202))
    expect(calls.reduce((n, c) => n + c.json.accepted, 0)).toBe(1)
    expect(calls.reduce((n, c) => n + c.json.duplicates, 0)).toBe(5)
  })

  it('a retry after a 503 is still accepted, and a replay while the first attempt is pending is not', async () => {
    const item = await servedItem('u5')
    const ev = tokened('click', 'u5', item.item_id, item.tracking_token)
    // A Queue binding cannot be told to fail: a stand-in that refuses every send (test only).
    const down = envWith({
      LOG_QUEUE: {
        send: () => Promise.reject(new Error('queue down')),
        sendBatch: () => Promise.reject(new Error('queue down')),
      } as unknown as Queue,
    } as Partial<Env>)
    expect((await postEvents(key, [ev], down)).status).toBe(503)
    // Someone else sends the token with another event_id while the first attempt is pending: not counted.
    const replay = { ...ev, event_id: eid() }
    expect((await postEvents(key, [replay])).json).toEqual({
      accepted: 0,
      duplicates: 1,
      rejected: [],
    })
    // The client's retry (same event_id) takes the slot; afterwards both are duplicates.
    expect((await postEvents(key, [ev])).json).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    expect((await postEvents(key, [ev, replay])).json).toEqual({
      accepted: 0,
      duplicates: 2,
      rejected: [],
    })
  })
})

describe('a signed token of the wrong shape is a rejected event, never a 500', () => {
  it('ts: 1e300 (and other claims no edge mints) are rejected one by one, the rest of the call accepted', async () => {
    const bad: Array<Partial<TrackingClaims>> = [
      { ts: 1e300 },
      { ts: -1 },
      { ts: 1.5 },
      { ts: Number.MAX_SAFE_INTEGER },
      { p: 0 },
      { p: 2.5 },
      { tier: 'bogus' as TrackingClaims['tier'] },
    ]
    const events = await Promise.all(
      bad.map(async (over) => tokened('click', 'u1', 'i9', await signed('u1', 'i9', over))),
    )
    events.push({
      event_id: eid(),
      type: 'view',
      user_id: 'u1',
      item_id: 'i9',
      event_time: iso(),
    } as never)
    const r = await postEvents(key, events)
    expect(r.status).toBe(202)
    expect(r.json.accepted).toBe(1)
    expect(r.json.rejected.map((x: any) => x.code)).toEqual(Array(bad.length).fill('invalid_token'))
  })

  it('whatever number a signed ts holds, the call answers 202 and accepts it only within the lifetime', async () => {
    const now = Math.floor(Date.now() / 1000)
    // Classes far from the lifetime's edges, so the clock moving while the test runs changes no verdict.
    const ts = fc.oneof(
      fc.record({ ts: fc.double(), verdict: fc.constant('any' as const) }),
      fc.record({
        ts: fc.constantFrom(1e300, -1e300, -1, 0.5, 8.64e12 + 1, 2 ** 53),
        verdict: fc.constant('rejected' as const),
      }),
      fc.record({
        ts: fc.integer({ min: 0, max: now - TTL_S - 1 }),
        verdict: fc.constant('expired' as const),
      }),
      fc.record({
        ts: fc.integer({ min: now + 7_200, max: 8.64e12 }),
        verdict: fc.constant('expired' as const),
      }),
      fc.record({
        ts: fc.integer({ min: now - TTL_S + 1_800, max: now }),
        verdict: fc.constant('accepted' as const),
      }),
    )
    await fc.assert(
      fc.asyncProperty(ts, async ({ ts, verdict }) => {
        const r = await postEvents(key, [
          tokened('click', 'u1', 'i8', await signed('u1', 'i8', { ts })),
        ])
        expect(r.status).toBe(202)
        if (verdict === 'accepted') expect(r.json.accepted).toBe(1)
        if (verdict === 'rejected') expect(r.json.rejected[0]?.code).toBe('invalid_token')
        if (verdict === 'expired') expect(r.json.rejected[0]?.code).toBe('token_expired')
      }),
      { numRuns: 40 },
    )
  })
})

describe('tokens served to anonymous visitors', () => {
  it('are usable in events with anonymous_id, apply to the visitor, and never to a user of the same id', async () => {
    const r = await recommend(key, {
      surface: 'home_feed',
      subject: { anonymous_id: 'visitor-1' },
      limit: 3,
    })
    expect(r.status).toBe(200)
    const item = r.json.items[0]
    const ev = (subject: Record<string, string>) => ({
      event_id: eid(),
      type: 'impression',
      ...subject,
      item_id: item.item_id,
      tracking_token: item.tracking_token,
      event_time: iso(),
    })
    const sent = await postEvents(key, [
      ev({ user_id: 'visitor-1' }),
      ev({ anonymous_id: 'visitor-1' }),
      ev({ user_id: 'u1', anonymous_id: 'visitor-1' }),
    ])
    expect(sent.status).toBe(202)
    expect(sent.json.accepted).toBe(1)
    expect(sent.json.rejected.map((x: any) => [x.index, x.code])).toEqual([
      [0, 'token_mismatch'],
      [2, 'invalid_event'],
    ])
    const imps = await redis().zrange(redisKeys.impressions(tenant, 'a.visitor-1'), 0, -1)
    expect(imps.map((m) => String(m).split('|')[0])).toEqual([item.item_id])
  })
})
