import fc from 'fast-check'
import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { EventRecord, EventsResponse, redisKeys } from '@recsys/shared'
import type { Env } from '../src/env'
import { baseSpec, createKey, envWith, newTenant, publish, redis, seedUser } from './fixtures'
import { waitForLog } from './log-reader'
import { call, postEvents, recommend } from './request'

const ids = (json: any): string[] => json.items.map((i: { item_id: string }) => i.item_id)
const now = () => new Date().toISOString()
let seq = 0
const eid = () => `e-${crypto.randomUUID().slice(0, 8)}-${seq++}`

/** A served slate of `user` (its items carry tracking tokens). */
async function served(key: string, user: string, limit = 5) {
  const r = await recommend(key, { surface: 'home_feed', subject: { user_id: user }, limit })
  expect(r.status).toBe(200)
  return r.json as {
    slate_id: string
    items: Array<{ item_id: string; tracking_token: string; position: number }>
    metadata: any
  }
}

let tenant: string
let key: string
let debugKey: string

beforeAll(async () => {
  tenant = newTenant('ev')
  await publish(
    baseSpec(tenant, {
      rules: {
        default: {
          version: 'rules1',
          eligibility: { exclude_seen: true, frequency_cap: { max: 1, window_s: 3600 } },
          rerank: {},
        },
      },
    }),
  )
  key = await createKey(tenant)
  debugKey = await createKey(tenant, ['recommend', 'debug', 'events'])
  for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) await seedUser(tenant, u, { consent: true })
})

describe('POST /v1/events: effects on the very next request', () => {
  it('a hide suppresses the item from the very next request', async () => {
    const before = await served(key, 'u1', 10)
    const target = before.items[0]!.item_id
    const r = await postEvents(key, [
      { event_id: eid(), type: 'hide', user_id: 'u1', item_id: target, event_time: now() },
    ])
    expect(r.status).toBe(202)
    expect(r.json).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    const after = await recommend(debugKey, {
      surface: 'home_feed',
      subject: { user_id: 'u1' },
      limit: 10,
      debug: true,
    })
    expect(ids(after.json)).not.toContain(target)
    expect(after.json.debug.removed).toContainEqual(
      expect.objectContaining({ item_id: target, stage: 'suppression', reason: 'suppressed_item' }),
    )
  })

  it('a view shows up as session context on the very next request (state is written before the 202)', async () => {
    // No polling and no clock: the request right after the 202 must see it, which is stronger than "within 1 s".
    const r = await postEvents(key, [
      { event_id: eid(), type: 'view', user_id: 'u2', item_id: 'i7', event_time: now() },
      {
        event_id: eid(),
        type: 'click',
        user_id: 'u2',
        item_id: 'i9',
        event_time: now(),
        tracking_token: (await served(key, 'u2', 40)).items.find((i) => i.item_id === 'i9')!
          .tracking_token,
      },
    ])
    expect(r.json.accepted).toBe(2)
    const next = await recommend(debugKey, {
      surface: 'home_feed',
      subject: { user_id: 'u2' },
      context: { session_item_ids: ['i3'] },
      debug: true,
    })
    // The request's own session items first, then recent items, newest first.
    expect(next.json.debug.session_items.slice(0, 3)).toEqual(['i3', 'i9', 'i7'])
  })

  /** Impresses the first item served to `user` (cap: 1 an hour) and checks the next request leaves it out. */
  async function impressionCaps(user: string, eventId: string) {
    const first = (await served(key, user, 5)).items[0]!
    const r = await postEvents(key, [
      {
        event_id: eventId,
        type: 'impression',
        user_id: user,
        item_id: first.item_id,
        tracking_token: first.tracking_token,
        event_time: now(),
      },
    ])
    expect(r.json.accepted).toBe(1)
    const next = await recommend(key, {
      surface: 'home_feed',
      subject: { user_id: user },
      limit: 5,
    })
    expect(ids(next.json)).not.toContain(first.item_id)
  }

  it('an impression counts toward the frequency cap of the next request', () =>
    impressionCaps('u3', eid()))

  it('an impression whose event_id holds "|" still caps its item', () =>
    impressionCaps('u6', `${eid()}|x|y`))

  it('a duplicate event_id changes nothing: not in state, not in the log twice', async () => {
    const a = eid()
    const b = eid()
    const view = (event_id: string, item_id: string) => ({
      event_id,
      type: 'view',
      user_id: 'u4',
      item_id,
      event_time: now(),
    })
    expect((await postEvents(key, [view(a, 'i5')])).json.accepted).toBe(1)
    expect((await postEvents(key, [view(b, 'i6')])).json.accepted).toBe(1)
    // Again, and twice within one call: duplicates; i5 must not move back to the head of the recent list.
    const again = await postEvents(key, [view(a, 'i5'), view(b, 'i6'), view(a, 'i5')])
    expect(again.json).toEqual({ accepted: 0, duplicates: 3, rejected: [] })
    expect(await redis().lrange(redisKeys.recent(tenant, 'u.u4'), 0, -1)).toEqual(['i6', 'i5'])
    const within = await postEvents(key, [view(`${a}-x`, 'i8'), view(`${a}-x`, 'i8')])
    expect(within.json).toEqual({ accepted: 1, duplicates: 1, rejected: [] })
  })
})

describe('POST /v1/events: tracking tokens', () => {
  it('a forged token, a token of another tenant, a token for another user or item are each rejected; the rest is accepted', async () => {
    const other = newTenant('ev-other')
    await publish(baseSpec(other))
    const otherKey = await createKey(other)
    await seedUser(other, 'u5', { consent: true })
    const mine = await served(key, 'u5', 5)
    const theirs = (
      await recommend(otherKey, { surface: 'home_feed', subject: { user_id: 'u5' }, limit: 5 })
    ).json
    const forU1 = await served(key, 'u1', 5)
    const it0 = mine.items[0]!
    const [body, sig] = it0.tracking_token.split('.') as [string, string]
    const forged = `${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`
    const ev = (item_id: string, tracking_token: string, type = 'impression') => ({
      event_id: eid(),
      type,
      user_id: 'u5',
      item_id,
      tracking_token,
      event_time: now(),
    })
    const theirItem =
      theirs.items.find((i: { item_id: string }) => i.item_id === it0.item_id) ?? theirs.items[0]
    const r = await postEvents(key, [
      ev(it0.item_id, it0.tracking_token),
      ev(it0.item_id, forged),
      ev(theirItem.item_id, theirItem.tracking_token),
      ev(forU1.items[0]!.item_id, forU1.items[0]!.tracking_token),
      ev(mine.items[2]!.item_id, mine.items[1]!.tracking_token, 'click'),
      ev(mine.items[1]!.item_id, mine.items[1]!.tracking_token, 'click'),
      { event_id: eid(), type: 'click', user_id: 'u5', item_id: 'i1', event_time: now() },
    ])
    expect(r.status).toBe(202)
    expect(EventsResponse.safeParse(r.json).success).toBe(true)
    expect(r.json.accepted).toBe(2)
    expect(r.json.duplicates).toBe(0)
    expect(r.json.rejected.map((x: any) => [x.index, x.code])).toEqual([
      [1, 'invalid_token'],
      [2, 'invalid_token'],
      [3, 'token_mismatch'],
      [4, 'token_mismatch'],
      [6, 'invalid_event'],
    ])
    expect(r.json.rejected[2].message).toMatch(/another user/)
    expect(r.json.rejected[4].message).toMatch(/tracking_token/)
  })
})

describe('POST /v1/events: rejections', () => {
  it('lists the rejected in index order, also when nothing of the call is accepted', async () => {
    const ok = { event_id: eid(), type: 'click', user_id: 'u1', item_id: 'i1', event_time: now() }
    // A token is checked asynchronously, a bad event_time is not: the token's rejection is known last.
    const r = await postEvents(key, [
      { ...ok, tracking_token: 'bad.token' },
      { ...ok, event_id: eid(), event_time: 'yesterday' },
    ])
    expect(r.status).toBe(202)
    expect(r.json.accepted).toBe(0)
    expect(r.json.rejected.map((x: any) => [x.index, x.code])).toEqual([
      [0, 'invalid_token'],
      [1, 'invalid_event'],
    ])
  })

  it('refuses an event_time the log cannot hold (before year 0 in UTC), and accepts the rest of the call', async () => {
    const ok = { event_id: eid(), type: 'view', user_id: 'u1', item_id: 'i1', event_time: now() }
    const r = await postEvents(key, [
      { ...ok, event_id: eid(), event_time: '0000-01-01T00:00:00+01:00' },
      ok,
    ])
    expect(r.status).toBe(202)
    expect(r.json.accepted).toBe(1)
    expect(r.json.rejected.map((x: any) => [x.index, x.code])).toEqual([[0, 'invalid_event']])
    expect(r.json.rejected[0].message).toMatch(/event_time/)
  })
})

describe('POST /v1/events: the log', () => {
  it('every accepted event lands in R2 once, with event_time, ingestion_time and its join to the impression', async () => {
    const t = newTenant('evlog')
    await publish(baseSpec(t))
    const k = await createKey(t)
    await seedUser(t, 'u1', { consent: true })
    const slate = await served(k, 'u1', 3)
    const events = slate.items.map((i) => ({
      event_id: eid(),
      type: 'impression',
      user_id: 'u1',
      item_id: i.item_id,
      tracking_token: i.tracking_token,
      event_time: '2026-11-21T10:00:00+01:00',
    }))
    events.push({ ...events[0]!, event_id: eid(), type: 'click' })
    // Through the Worker's entry (SELF): Miniflare's queue and the Worker's own consumer.
    const post = (batch: unknown[] = events) =>
      SELF.fetch('https://edge.test/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch }),
      })
    const res = await post()
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 4, duplicates: 0, rejected: [] })
    expect(await (await post()).json()).toEqual({ accepted: 0, duplicates: 4, rejected: [] })

    const recs = await waitForLog(`${t}/`, (rs) => rs.filter((r) => r.kind === 'event').length >= 4)
    // Nothing more arrives: an event accepted after the duplicate call travels the same queue behind anything that
    // call queued, so once it is logged the rest was delivered too (no fixed wait for the consumer).
    const last = { ...events[0]!, event_id: eid(), type: 'view', tracking_token: undefined }
    expect(await (await post([last])).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    const logged = (
      await waitForLog(`${t}/`, (rs) => rs.some((r) => r.event_id === last.event_id))
    ).filter((r) => r.kind === 'event' && r.event_id !== last.event_id)
    expect(logged).toHaveLength(4)
    expect(recs.filter((r) => r.kind === 'event')).toHaveLength(4)
    expect(new Set(logged.map((r) => r.event_id))).toEqual(new Set(events.map((e) => e.event_id)))
    for (const r of logged) {
      expect(EventRecord.safeParse(r).success, JSON.stringify(r)).toBe(true)
      expect(r.event_time).toBe('2026-11-21T09:00:00.000Z')
      expect(Math.abs(Date.parse(r.ingestion_time) - Date.now())).toBeLessThan(60_000)
      expect(r).toMatchObject({
        tenant: t,
        user_id: 'u1',
        slate_id: slate.slate_id,
        tier: 'cached_user',
        release: 'r1',
      })
    }
    const click = logged.find((r) => r.type === 'click')
    expect(click.position).toBe(1)
    expect(click.item_id).toBe(slate.items[0]!.item_id)
  })

  it('when the queue refuses, the call is a 503 and its retry is accepted, not read as duplicates', async () => {
    const failing = {
      send: () => Promise.reject(new Error('queue down')),
      sendBatch: () => Promise.reject(new Error('queue down')),
    } as unknown as Queue
    const ev = [{ event_id: eid(), type: 'hide', user_id: 'u1', item_id: 'i40', event_time: now() }]
    // A Queue binding cannot be told to fail: a stand-in that refuses every send (test only).
    const down = await postEvents(key, ev, envWith({ LOG_QUEUE: failing } as Partial<Env>))
    expect(down.status).toBe(503)
    expect(down.json.error.code).toBe('UNAVAILABLE')
    const retry = await postEvents(key, ev)
    expect(retry.json).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    expect((await postEvents(key, ev)).json.duplicates).toBe(1)
  })
})

describe('POST /v1/events: validation', () => {
  it('rejects bad events one by one, refuses bad bodies whole, and needs the events permission', async () => {
    const ok = { event_id: eid(), type: 'view', user_id: 'u1', item_id: 'i1', event_time: now() }
    const r = await postEvents(key, [
      ok,
      { ...ok, event_id: eid(), type: 'impression' }, // no token
      { ...ok, event_id: eid(), event_time: 'yesterday' },
      { ...ok, event_id: eid(), event_time: new Date(Date.now() + 3 * 86_400_000).toISOString() },
      { ...ok, event_id: '' },
      { ...ok, event_id: eid(), extra: 1 },
      { ...ok, event_id: eid(), user_id: 'has space' },
      'not an object',
      null,
    ])
    expect(r.status).toBe(202)
    expect(r.json.accepted).toBe(1)
    expect(r.json.rejected.map((x: any) => x.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(r.json.rejected[0].message).toMatch(/tracking_token/)

    for (const raw of [
      '{"events":',
      '{"events":[]}',
      JSON.stringify({ events: Array.from({ length: 501 }, () => ok) }),
      JSON.stringify({ events: [ok], more: 1 }),
    ]) {
      const res = await call('/v1/events', { key, raw })
      expect(res.status, raw.slice(0, 40)).toBe(400)
      expect(((await res.json()) as any).error.code).toBe('BAD_REQUEST')
    }
    const big = JSON.stringify({ events: [{ ...ok, pad: 'x'.repeat(70_000) }] })
    const tooLarge = await call('/v1/events', { key, raw: big })
    expect(tooLarge.status).toBe(413)
    expect(((await tooLarge.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE')
    const recommendOnly = await createKey(tenant, ['recommend'])
    const forbidden = await call('/v1/events', { key: recommendOnly, body: { events: [ok] } })
    expect(forbidden.status).toBe(403)
    expect(((await forbidden.json()) as any).error.code).toBe('FORBIDDEN')
    expect((await call('/v1/events', { body: { events: [ok] } })).status).toBe(401)
  })

  it('random bodies never produce a 500', async () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
    )
    const event = fc.record(
      {
        event_id: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), value),
        type: fc.oneof(fc.constantFrom('impression', 'click', 'conversion', 'hide', 'view'), value),
        user_id: fc.oneof(fc.constantFrom('u1', 'u2'), value),
        item_id: fc.oneof(fc.constantFrom('i1', 'i2'), value),
        tracking_token: fc.oneof(fc.string(), fc.constant('a.b'), value),
        event_time: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          value,
        ),
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .record({ events: fc.oneof(fc.array(event, { maxLength: 5 }), value) })
            .map((b) => JSON.stringify(b)),
          fc.string(),
        ),
        async (raw) => {
          const res = await call('/v1/events', { key, raw })
          expect(res.status).toBeLessThan(500)
          const body = (await res.json()) as any
          if (res.status === 202) expect(EventsResponse.safeParse(body).success).toBe(true)
          else expect(body.error.code).toBeTruthy()
        },
      ),
      { numRuns: 120 },
    )
  })
})
