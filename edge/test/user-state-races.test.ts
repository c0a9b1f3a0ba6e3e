import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { redisKeys } from '@recsys/shared'
import type { UserStateWriter } from '../src/adapters/user-state/interface'
import { UpstashUserState } from '../src/adapters/user-state/upstash'
import { ingestEvents } from '../src/events/ingest'
import { baseSpec, createKey, newTenant, publish, redis, seedUser } from './fixtures'
import { call, postEvents } from './request'

let tenant: string
let key: string
/** Deletion and consent take a key of their own (`users`). */
let admin: string

beforeAll(async () => {
  tenant = newTenant('race')
  await publish(baseSpec(tenant))
  key = await createKey(tenant)
  admin = await createKey(tenant, ['users'])
})

const ev = (type: string, user_id: string, item_id: string) => ({
  event_id: crypto.randomUUID(),
  type,
  user_id,
  item_id,
  event_time: new Date().toISOString(),
})

/**
 * Test-only decorator around the real Upstash user state: runs `between` after the call's events are claimed and
 * queued and before they are applied, as a request of another isolate can.
 */
function pausedBeforeApply(between: () => Promise<void>): UserStateWriter {
  const inner = new UpstashUserState({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
  })
  return {
    claim: (...a) => inner.claim(...a),
    apply: async (...a) => {
      await between()
      return inner.apply(...a)
    },
    setConsent: (...a) => inner.setConsent(...a),
    purge: (...a) => inner.purge(...a),
  }
}

/** `POST /v1/events`' ingestion with the real queue and the given user state. */
const ingest = (state: UserStateWriter, events: unknown[]) =>
  ingestEvents(
    { state, queue: env.LOG_QUEUE, secret: env.TRACKING_SECRET, tokenTtlS: 3600 },
    { tenant, keyId: 'k', callId: crypto.randomUUID(), events, now: Date.now() },
  )

const keysOf = async (user: string) => (await redis().keys(`t:${tenant}:u:u.${user}:*`)).sort()
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('user state: a change that lands while a call of events is in flight', () => {
  it('a deletion is not undone by the events of a call ingested before it', async () => {
    await seedUser(tenant, 'u1', { consent: true })
    const state = pausedBeforeApply(async () => {
      await pause(10)
      const del = await call('/v1/users/u1', { key: admin, method: 'DELETE' })
      expect(del.status).toBe(202)
    })
    const r = await ingest(state, [
      ev('view', 'u1', 'i1'),
      ev('hide', 'u1', 'i2'),
      ev('conversion', 'u1', 'i3'),
    ])
    expect(r).toEqual({ accepted: 3, duplicates: 0, rejected: [] })
    // The batch drops the user's events ingested before the deletion; real-time state must not keep them either.
    expect(await keysOf('u1')).toEqual([])

    // Events ingested after the deletion are the user's new state, as usual.
    await pause(10)
    expect((await postEvents(key, [ev('view', 'u1', 'i4')])).json.accepted).toBe(1)
    expect(await redis().lrange(redisKeys.recent(tenant, 'u.u1'), 0, -1)).toEqual(['i4'])
  })

  it('withdrawn consent keeps no session context from a call that read the consent before', async () => {
    await seedUser(tenant, 'u2', { consent: true })
    const state = pausedBeforeApply(async () => {
      const r = await call('/v1/users/u2/consent', {
        key: admin,
        method: 'PUT',
        body: { personalization: false },
      })
      expect(r.status).toBe(204)
    })
    const r = await ingest(state, [ev('view', 'u2', 'i1'), ev('hide', 'u2', 'i2')])
    expect(r.accepted).toBe(2)
    expect(await redis().exists(redisKeys.recent(tenant, 'u.u2'))).toBe(0)
    // What is not session context still applies.
    expect(await redis().smembers(redisKeys.suppressedItems(tenant, 'u.u2'))).toEqual(['i2'])
  })
})
