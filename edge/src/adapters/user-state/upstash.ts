import { Redis } from '@upstash/redis/cloudflare'
import { eventSubject, redisKeys, USER_STATE, userStateKeys } from '@recsys/shared'
import { applyScript, type StateOp } from './apply-script'
import type { ClaimedEvent, ClaimStatus, EventClaim, EventSlot, UserStateWriter } from './interface'

const DONE = 'd'
const PENDING = 'p:'

const slotKey = (tenant: string, s: EventSlot) =>
  redisKeys.eventSlot(tenant, s.type, s.position, s.slate)

/** The `event_id` a pending slot claim (`p:<callId>:<event_id>`) was made for; call ids hold no `:`. */
function pendingEvent(value: string): string | undefined {
  const colon = value.indexOf(':', PENDING.length)
  return colon < 0 ? undefined : value.slice(colon + 1)
}

/**
 * User-state writes over Upstash REST with the real client: one pipeline to claim a call's event ids, one to apply
 * its events (a script, atomic per call: ./apply-script.ts). No client retries: a retried SET NX whose first
 * attempt landed would read the event as a duplicate.
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

  async claim(tenant: string, callId: string, events: readonly EventClaim[], slotTtlS: number) {
    const mine = `${PENDING}${callId}`
    const p = this.redis.pipeline()
    for (const e of events) {
      p.set(redisKeys.eventId(tenant, e.eventId), mine, {
        nx: true,
        get: true,
        ex: USER_STATE.eventIdTtlS,
      })
      if (e.slot)
        p.set(slotKey(tenant, e.slot), `${mine}:${e.eventId}`, {
          nx: true,
          get: true,
          ex: slotTtlS,
        })
    }
    const out = await p.exec()
    const first = new Set<string>()
    let at = 0
    const status = events.map((e): ClaimStatus => {
      const prev = out[at++] as string | null
      const slotPrev = e.slot ? (out[at++] as string | null) : null
      // The same id earlier in this call: whatever its claim found, this copy is a duplicate.
      if (first.has(e.eventId)) return 'duplicate'
      first.add(e.eventId)
      const byId: ClaimStatus =
        prev === null ? 'fresh' : prev.startsWith(PENDING) && prev !== mine ? 'retry' : 'duplicate'
      if (!e.slot || byId === 'duplicate') return byId
      const bySlot: ClaimStatus =
        slotPrev === null
          ? 'fresh'
          : // Pending for this very event_id: its own earlier attempt. For another one (in this call or any other),
            // or done: the slot has counted already.
            slotPrev.startsWith(PENDING) && pendingEvent(slotPrev) === e.eventId
            ? 'retry'
            : 'duplicate'
      return bySlot === 'fresh' ? byId : bySlot
    })
    return { status }
  }

  async apply(tenant: string, events: readonly ClaimedEvent[], now: number): Promise<void> {
    if (events.length === 0) return
    const oldest = now - USER_STATE.impressionWindowMs
    const ops = new Map<string, StateOp[]>()
    // Oldest first, so the newest recent item ends at the head of the list. By instant, not by text: offsets and
    // fractional seconds make the text order wrong.
    const ordered = events
      .map((c) => c.event)
      .sort((a, b) => Date.parse(a.event_time) - Date.parse(b.event_time))
    for (const e of ordered) {
      const subject = eventSubject(e)
      let list = ops.get(subject)
      if (!list) ops.set(subject, (list = []))
      if (e.type === 'impression') {
        // A client clock ahead of ours must not push an impression past every window.
        const at = Math.min(Date.parse(e.event_time), now)
        if (at >= oldest) list.push({ op: 'imp', score: at, member: `${e.item_id}|${e.event_id}` })
      } else if (e.type === 'hide') list.push({ op: 'hide', item: e.item_id })
      else if (e.type === 'conversion') list.push({ op: 'seen', item: e.item_id })
      // view, click: session context, which is personal data: the script drops it for a user who said no.
      else list.push({ op: 'recent', item: e.item_id })
    }
    const { script, keys, args } = applyScript(tenant, ops, now)
    const p = this.redis.pipeline()
    p.eval(script, keys, args)
    for (const { event, slot } of events) {
      p.set(redisKeys.eventId(tenant, event.event_id), DONE, { xx: true, keepTtl: true })
      if (slot) p.set(slotKey(tenant, slot), DONE, { xx: true, keepTtl: true })
    }
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

  async purge(tenant: string, userId: string, at: number): Promise<void> {
    const subject = `u.${userId}`
    // One transaction: an apply (atomic too) runs before both, and is purged, or after both, and sees the fence.
    const tx = this.redis.multi()
    tx.set(redisKeys.deletionFence(tenant, subject), String(at), {
      ex: USER_STATE.deletionFenceTtlS,
    })
    tx.del(...userStateKeys(tenant, subject))
    await tx.exec()
  }
}
