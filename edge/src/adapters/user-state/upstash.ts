import { Redis } from '@upstash/redis/cloudflare'
import { redisKeys, USER_STATE, userStateKeys, type TrackedEvent } from '@recsys/shared'
import type { ClaimStatus, UserStateWriter } from './interface'

const DONE = 'd'
const PENDING = 'p:'

/**
 * User-state writes over Upstash REST with the real client: one pipeline to claim a call's event ids, one to apply
 * its events. No client retries: a retried SET NX whose first attempt landed would read the event as a duplicate.
 */
export class UpstashUserState implements UserStateWriter {
  private readonly redis: Redis

  constructor(opts: { url: string; token: string; timeoutMs?: number }) {
    this.redis = new Redis({
      url: opts.url,
      token: opts.token,
      signal: () => AbortSignal.timeout(opts.timeoutMs ?? 5000),
      retry: { retries: 0 },
      automaticDeserialization: false,
      responseEncoding: false,
      enableTelemetry: false,
    })
  }

  async claim(
    tenant: string,
    callId: string,
    eventIds: readonly string[],
    users: readonly string[],
  ) {
    const mine = `${PENDING}${callId}`
    const p = this.redis.pipeline()
    for (const id of eventIds)
      p.set(redisKeys.eventId(tenant, id), mine, {
        nx: true,
        get: true,
        ex: USER_STATE.eventIdTtlS,
      })
    for (const u of users) p.hget(redisKeys.profile(tenant, `u.${u}`), 'consent')
    const out = await p.exec()
    const first = new Set<string>()
    const status = eventIds.map((id, i): ClaimStatus => {
      // The same id earlier in this call: whatever its claim found, this copy is a duplicate.
      if (first.has(id)) return 'duplicate'
      first.add(id)
      const prev = out[i] as string | null
      if (prev === null) return 'fresh'
      return prev.startsWith(PENDING) && prev !== mine ? 'retry' : 'duplicate'
    })
    const consent = new Map<string, boolean | undefined>()
    users.forEach((u, i) => {
      const v = out[eventIds.length + i] as string | null
      consent.set(u, v === '1' ? true : v === '0' ? false : undefined)
    })
    return { status, consent }
  }

  async apply(
    tenant: string,
    events: ReadonlyArray<{ event: TrackedEvent; consent: boolean | undefined }>,
    now: number,
  ): Promise<void> {
    if (events.length === 0) return
    const p = this.redis.pipeline()
    const touched = { imps: new Set<string>(), recent: new Set<string>(), supp: new Set<string>() }
    const seen = new Set<string>()
    const oldest = now - USER_STATE.impressionWindowMs
    // Oldest first, so the newest recent item ends at the head of the list.
    // By instant, not by text: offsets and fractional seconds make the text order wrong.
    const ordered = [...events].sort(
      (a, b) => Date.parse(a.event.event_time) - Date.parse(b.event.event_time),
    )
    for (const { event: e, consent } of ordered) {
      const subject = `u.${e.user_id}`
      if (e.type === 'impression') {
        // A client clock ahead of ours must not push an impression past every window.
        const at = Math.min(Date.parse(e.event_time), now)
        if (at < oldest) continue
        p.zadd(redisKeys.impressions(tenant, subject), {
          score: at,
          member: `${e.item_id}|${e.event_id}`,
        })
        touched.imps.add(subject)
      } else if (e.type === 'hide') {
        p.sadd(redisKeys.suppressedItems(tenant, subject), e.item_id)
        touched.supp.add(subject)
      } else if (e.type === 'conversion') {
        p.sadd(redisKeys.seen(tenant, subject), e.item_id)
        seen.add(subject)
      } else if (consent !== false) {
        // view, click: session context, which is personal data: not kept for a user who said no.
        const key = redisKeys.recent(tenant, subject)
        p.lrem(key, 0, e.item_id)
        p.lpush(key, e.item_id)
        touched.recent.add(subject)
      }
    }
    for (const s of touched.imps) {
      const key = redisKeys.impressions(tenant, s)
      p.zremrangebyscore(key, '-inf', `(${oldest}`)
      p.zremrangebyrank(key, 0, -(USER_STATE.impressionsMax + 1))
      p.expire(key, USER_STATE.impressionsTtlS)
    }
    for (const s of touched.recent) {
      const key = redisKeys.recent(tenant, s)
      p.ltrim(key, 0, USER_STATE.recentMax - 1)
      p.expire(key, USER_STATE.recentTtlS)
    }
    for (const s of touched.supp)
      p.expire(redisKeys.suppressedItems(tenant, s), USER_STATE.suppressionTtlS)
    for (const s of seen) p.expire(redisKeys.seen(tenant, s), USER_STATE.seenTtlS)
    for (const { event } of events)
      p.set(redisKeys.eventId(tenant, event.event_id), DONE, { xx: true, keepTtl: true })
    await p.exec()
  }

  async setConsent(tenant: string, userId: string, personalization: boolean): Promise<void> {
    const subject = `u.${userId}`
    const profile = redisKeys.profile(tenant, subject)
    const p = this.redis.pipeline()
    p.hset(profile, { consent: personalization ? '1' : '0' })
    p.expire(profile, USER_STATE.profileTtlS)
    // Session context is personalization data: withdrawn consent drops it.
    if (!personalization) p.del(redisKeys.recent(tenant, subject))
    await p.exec()
  }

  async purge(tenant: string, userId: string): Promise<void> {
    await this.redis.del(...userStateKeys(tenant, `u.${userId}`))
  }
}
