import { redisKeys, type KillSwitchMap } from '@recsys/shared'

/** Reads the engaged kill switches; the scorer honours `source.<id>` (docs/architecture.md#kill-switches). */
export type KillSwitchReader = () => Promise<KillSwitchMap>

export const noKillSwitches: KillSwitchReader = async () => ({})

/**
 * Kill switches from Upstash (`HGETALL recsys:kill_switches` over its REST API), refreshed in the background every
 * `ttlMs`; when the store is unreadable, the last switches read (like the edge's isolate cache).
 */
export function upstashKillSwitches(opts: {
  url: string
  token: string
  ttlMs?: number
  timeoutMs?: number
}): KillSwitchReader {
  let last: KillSwitchMap = {}
  let at = -Infinity
  let inflight: Promise<KillSwitchMap> | undefined
  const ttl = opts.ttlMs ?? 1000
  const load = async (): Promise<KillSwitchMap> => {
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(['HGETALL', redisKeys.killSwitches()]),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 200),
      })
      const body = (await res.json()) as { result?: unknown }
      const flat = Array.isArray(body.result) ? (body.result as unknown[]) : []
      // No prototype: a switch named `__proto__` or `constructor` is a switch like any other.
      const map = Object.create(null) as Record<string, { value?: string }>
      for (let i = 0; i + 1 < flat.length; i += 2) {
        let v: { value?: string } = {}
        try {
          v = JSON.parse(String(flat[i + 1])) as { value?: string }
        } catch {
          // An unparsable value still engages the switch.
        }
        map[String(flat[i])] = v
      }
      last = map
    } catch {
      // keep `last`
    }
    at = performance.now()
    return last
  }
  // Never on a request's path: a stale read starts a refresh in the background and answers the last switches.
  return async () => {
    if (performance.now() - at >= ttl)
      inflight ??= load().finally(() => {
        inflight = undefined
      })
    return last
  }
}
