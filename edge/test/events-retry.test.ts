import { beforeAll, describe, expect, it } from 'vitest'
import { redisKeys } from '@recsys/shared'
import type { Env } from '../src/env'
import { baseSpec, createKey, envWith, newTenant, publish, redis, seedUser } from './fixtures'
import { call } from './request'

let seq = 0
const eid = () => `e-${crypto.randomUUID().slice(0, 8)}-${seq++}`
const now = () => new Date().toISOString()

let tenant: string
let key: string

beforeAll(async () => {
  tenant = newTenant('evr')
  await publish(baseSpec(tenant))
  key = await createKey(tenant)
  for (const u of ['u1', 'u2', 'u3']) await seedUser(tenant, u, { consent: true })
})

/** `POST /v1/events` through the real app, with the caller's headers and env. */
async function post(events: unknown[], opts: { env?: Env; requestId?: string } = {}) {
  const res = await call('/v1/events', {
    key,
    body: { events },
    env: opts.env,
    headers: opts.requestId ? { 'x-request-id': opts.requestId } : {},
  })
  return { status: res.status, json: (await res.json()) as any }
}

// A Queue binding cannot be told to fail: a stand-in that refuses every send (test only).
const queueDown = () =>
  envWith({
    LOG_QUEUE: {
      send: () => Promise.reject(new Error('queue down')),
      sendBatch: () => Promise.reject(new Error('queue down')),
    } as unknown as Queue,
  } as Partial<Env>)

describe('POST /v1/events: a retry after a 503', () => {
  it('is accepted even when it reuses the x-request-id of the failed call', async () => {
    const rid = `retry-${crypto.randomUUID()}`
    const ev = [{ event_id: eid(), type: 'hide', user_id: 'u1', item_id: 'i41', event_time: now() }]
    const down = await post(ev, { env: queueDown(), requestId: rid })
    expect(down.status).toBe(503)
    // Clients retry with the same request id; the first attempt queued nothing, so this one must take the event.
    const retry = await post(ev, { requestId: rid })
    expect(retry.status).toBe(202)
    expect(retry.json).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    expect(await redis().smembers(redisKeys.suppressedItems(tenant, 'u.u1'))).toContain('i41')
    expect((await post(ev, { requestId: rid })).json.duplicates).toBe(1)
  })

  it('counts an event_id sent twice in the retry once, and the second copy as a duplicate', async () => {
    const e = { event_id: eid(), type: 'view', user_id: 'u2', item_id: 'i42', event_time: now() }
    expect((await post([e], { env: queueDown() })).status).toBe(503)
    const retry = await post([e, e])
    expect(retry.json).toEqual({ accepted: 1, duplicates: 1, rejected: [] })
  })
})

describe('POST /v1/events: recent items', () => {
  it('orders the views of one call by event time, whatever the offset or precision', async () => {
    const view = (item_id: string, event_time: string) => ({
      event_id: eid(),
      type: 'view',
      user_id: 'u3',
      item_id,
      event_time,
    })
    const r = await post([
      view('i1', '2026-11-21T10:00:00+01:00'), // 09:00:00Z, the oldest
      view('i2', '2026-11-21T09:30:00Z'),
      view('i3', '2026-11-21T09:30:00.500Z'), // the newest
    ])
    expect(r.json.accepted).toBe(3)
    expect(await redis().lrange(redisKeys.recent(tenant, 'u.u3'), 0, -1)).toEqual([
      'i3',
      'i2',
      'i1',
    ])
  })
})
