import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { redisKeys, USER_STATE } from '@recsys/shared'
import { UpstashRequestState } from '../src/adapters/request-state/upstash'
import { baseSpec, createKey, newTenant, publish, redis } from './fixtures'
import { postEvents } from './request'

/**
 * Issue 18, finding 3: `hide` and `conversion` grew their user's sets without bound, and every request read them
 * whole (SMEMBERS), so one client could slow the Redis every tenant shares. Both sets are capped now and every read
 * of them is bounded. Each case here failed on the code before the fix.
 */

let tenant: string
let key: string
let seq = 0

beforeAll(async () => {
  tenant = newTenant('sec-sets')
  await publish(baseSpec(tenant))
  key = await createKey(tenant)
})

/** `n` events of one type on distinct items, in calls of 400 (the body limit is 64 KiB). */
async function flood(type: 'hide' | 'conversion', user: string, n: number, prefix: string) {
  for (let start = 0; start < n; start += 400) {
    const events = Array.from({ length: Math.min(400, n - start) }, (_, k) => ({
      event_id: `f${seq++}`,
      type,
      user_id: user,
      item_id: `${prefix}${start + k}`,
      event_time: new Date().toISOString(),
    }))
    const r = await postEvents(key, events)
    expect(r.status).toBe(202)
    expect(r.json.accepted).toBe(events.length)
  }
}

const reader = () =>
  new UpstashRequestState({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    timeoutMs: 5_000,
  })

describe('per-user sets are capped on write', () => {
  it.each([
    ['hide', 'suppressedItems', USER_STATE.suppressedMax],
    ['conversion', 'seen', USER_STATE.seenMax],
  ] as const)(
    '%s: the set stops at its cap, and the latest call is kept whole',
    async (type, k, max) => {
      const user = `flood-${type}`
      const set = redisKeys[k](tenant, `u.${user}`)
      await flood(type, user, max + 200, 'x')
      expect(await redis().scard(set)).toBe(max)
      // The newest call's items were never the ones evicted.
      await flood(type, user, 400, 'new')
      expect(await redis().scard(set)).toBe(max)
      const newest = Array.from({ length: 400 }, (_, i) => `new${i}`)
      const held = await redis().smismember(set, newest)
      expect(held.every((x) => Number(x) === 1)).toBe(true)
      // The TTL is still set.
      expect(await redis().ttl(set)).toBeGreaterThan(0)
    },
  )
})

describe('every per-request read of the sets is bounded', () => {
  it('a set grown past the cap before it existed is read at most to the cap, and the next hide trims it', async () => {
    const subject = 'u.legacy'
    const hidden = redisKeys.suppressedItems(tenant, subject)
    const seen = redisKeys.seen(tenant, subject)
    const cats = redisKeys.suppressedCategories(tenant, subject)
    const many = Array.from({ length: 5_000 }, (_, i) => `old${i}`)
    for (let i = 0; i < many.length; i += 1_000) {
      const chunk = many.slice(i, i + 1_000) as [string, ...string[]]
      await redis().sadd(hidden, ...chunk)
      await redis().sadd(seen, ...chunk)
      await redis().sadd(cats, ...chunk)
    }
    const state = await reader().read({ tenant, subject, withKillSwitches: false, now: Date.now() })
    expect(state.user!.suppressedItems.size).toBe(USER_STATE.suppressedMax)
    expect(state.user!.seen.size).toBe(USER_STATE.seenMax)
    expect(state.user!.suppressedCategories.size).toBe(USER_STATE.suppressedMax)

    await postEvents(key, [
      {
        event_id: `f${seq++}`,
        type: 'hide',
        user_id: 'legacy',
        item_id: 'i3',
        event_time: new Date().toISOString(),
      },
    ])
    expect(await redis().scard(hidden)).toBe(USER_STATE.suppressedMax)
    expect(await redis().sismember(hidden, 'i3')).toBe(1)
  })

  it('below the cap, every member is read', async () => {
    const subject = 'u.few'
    await redis().sadd(redisKeys.suppressedItems(tenant, subject), 'a', 'b', 'c')
    const state = await reader().read({ tenant, subject, withKillSwitches: false, now: Date.now() })
    expect([...state.user!.suppressedItems].sort()).toEqual(['a', 'b', 'c'])
  })
})
