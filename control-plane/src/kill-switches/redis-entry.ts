import type { KillSwitchMap } from '@recsys/shared'

/** The JSON stored in the `recsys:kill_switches` hash for one engaged switch (what the edge reads). */
export type RedisSwitch = KillSwitchMap[string]

/**
 * Encodes an engaged switch as its hash field value: `{value?, at}`, `value` left out when there is none.
 * @note The reason is not in it: every edge request reads the whole hash, so the entry carries only what the edge
 * acts on. The reason stays in Postgres (`kill_switches`, its history) and the audit log.
 */
export function encodeSwitch(s: { value: string | null; at: Date }): string {
  const entry: RedisSwitch = {
    ...(s.value !== null ? { value: s.value } : {}),
    at: s.at.toISOString(),
  }
  return JSON.stringify(entry)
}

/**
 * Normalises an HGETALL reply to field → value. With automaticDeserialization: false, @upstash/redis returns
 * the raw flat `[field, value, …]` array; with it on, an object (or null when the hash is empty).
 */
export function hashReply(reply: unknown): Record<string, string> {
  if (reply === null || reply === undefined) return {}
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {}
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
    return out
  }
  return Object.fromEntries(
    Object.entries(reply as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  )
}
