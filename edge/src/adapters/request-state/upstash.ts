import { Redis } from '@upstash/redis/cloudflare'
import { redisKeys, USER_STATE, type KillSwitchMap, type UserState } from '@recsys/shared'
import type { RequestState, RequestStateReader } from './interface'

/** Impressions older than this are never read (the longest frequency-cap window we support). */
const IMPRESSION_LOOKBACK_MS = USER_STATE.impressionWindowMs
const RECENT_ITEMS = USER_STATE.recentMax

/**
 * Upstash Redis over REST with the real client. One pipeline per request; a request that misses the timeout is
 * aborted and the caller treats user state as unavailable.
 */
export class UpstashRequestState implements RequestStateReader {
  private readonly redis: Redis

  constructor(opts: {
    url: string
    token: string
    timeoutMs: number
    /** The timer that ends a read (injected so tests can fire it). */
    timeoutSignal?: (ms: number) => AbortSignal
  }) {
    const timeoutSignal = opts.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms))
    this.redis = new Redis({
      url: opts.url,
      token: opts.token,
      // A function: each request gets its own timer, and an abort throws instead of resolving.
      signal: () => timeoutSignal(opts.timeoutMs),
      retry: { retries: 0 },
      // Item ids like "42" must stay strings.
      automaticDeserialization: false,
      // State holds text only: plain JSON replies spare the base64 round trip on both sides.
      responseEncoding: false,
      enableTelemetry: false,
    })
  }

  async read(input: {
    tenant: string
    subject: string
    withKillSwitches: boolean
    now: number
  }): Promise<RequestState> {
    const { tenant, subject } = input
    const p = this.redis.pipeline()
    p.hgetall(redisKeys.profile(tenant, subject))
    // Bounded reads: SRANDMEMBER with a positive count returns the whole set when it holds at most that many (the
    // writers cap it there), and never more, whatever a set grew to before the caps.
    p.srandmember(redisKeys.suppressedItems(tenant, subject), USER_STATE.suppressedMax)
    p.srandmember(redisKeys.suppressedCategories(tenant, subject), USER_STATE.suppressedMax)
    // Impressions are capped on write (USER_STATE.impressionsMax) and read by window.
    p.zrange(redisKeys.impressions(tenant, subject), input.now - IMPRESSION_LOOKBACK_MS, '+inf', {
      byScore: true,
      withScores: true,
    })
    p.srandmember(redisKeys.seen(tenant, subject), USER_STATE.seenMax)
    p.lrange(redisKeys.recent(tenant, subject), 0, RECENT_ITEMS - 1)
    p.smembers(redisKeys.tombstones(tenant))
    if (input.withKillSwitches) p.hgetall(redisKeys.killSwitches())
    let out: unknown[]
    try {
      out = await p.exec()
    } catch {
      return { user: undefined, tombstones: undefined }
    }
    const [profile, suppItems, suppCats, imps, seen, recent, tombstones, switches] = out
    const prof = toRecord(profile)
    const user: UserState = {
      suppressedItems: new Set(suppItems as string[]),
      suppressedCategories: new Set(suppCats as string[]),
      impressions: parseImpressions(imps as Array<string | number>),
      seen: new Set(seen as string[]),
      recentItems: recent as string[],
      consent: prof.consent === '1' ? true : prof.consent === '0' ? false : undefined,
      age: prof.age !== undefined && /^\d+$/.test(prof.age) ? Number(prof.age) : undefined,
      segment: prof.segment || undefined,
    }
    return {
      user,
      tombstones: new Set(tombstones as string[]),
      killSwitches: input.withKillSwitches ? parseKillSwitches(switches) : undefined,
    }
  }

  async killSwitches(): Promise<KillSwitchMap> {
    return parseKillSwitches(await this.redis.hgetall(redisKeys.killSwitches()))
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG'
    } catch {
      return false
    }
  }
}

/**
 * ZRANGE … WITHSCORES returns [member, score, member, score…]; members are `item|event_id`. Item ids cannot hold
 * `|` (`Id`), event ids can: the item is what precedes the first one.
 */
function parseImpressions(flat: Array<string | number>): Map<string, number[]> {
  const m = new Map<string, number[]>()
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = String(flat[i])
    const bar = member.indexOf('|')
    const item = bar > 0 ? member.slice(0, bar) : member
    const at = Number(flat[i + 1])
    const list = m.get(item)
    if (list) list.push(at)
    else m.set(item, [at])
  }
  return m
}

/**
 * HGETALL without the client's deserialization is Redis's flat `[field, value, …]` array; an object is accepted
 * too, so the adapter does not depend on that client setting.
 */
export function toRecord(raw: unknown): Record<string, string> {
  // No prototype: a field named `__proto__` or `constructor` is a field like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = String(raw[i + 1])
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) out[k] = typeof v === 'string' ? v : JSON.stringify(v)
  }
  return out
}

/**
 * Hash values are JSON `{value, at}`; a malformed value still counts as engaged (fail safe). Entries written by
 * older control planes also carry `reason`: it is ignored (not kept in the isolate cache).
 */
export function parseKillSwitches(raw: unknown): KillSwitchMap {
  const out = Object.create(null) as Record<string, { value?: string; at?: string }>
  for (const [name, v] of Object.entries(toRecord(raw))) {
    try {
      const parsed = JSON.parse(v) as { value?: unknown; at?: unknown }
      out[name] = {
        value: typeof parsed.value === 'string' ? parsed.value : undefined,
        at: typeof parsed.at === 'string' ? parsed.at : undefined,
      }
    } catch {
      out[name] = {}
    }
  }
  return out
}
