import type { KillSwitchMap } from '@recsys/shared'

interface Entry {
  switches: KillSwitchMap
  at: number
}

// One per isolate: kill switches are global, the per-tenant ones are names inside the same map.
let last: Entry | undefined

/** Isolate cache of the kill-switch map: fresh for `ttlMs` (≤ 1 s); stale values stand in when Redis fails. */
export const killSwitchCache = {
  fresh(now: number, ttlMs: number): KillSwitchMap | undefined {
    return last && now - last.at < ttlMs ? last.switches : undefined
  },
  stale(): KillSwitchMap | undefined {
    return last?.switches
  },
  store(switches: KillSwitchMap, now: number): void {
    last = { switches, at: now }
  },
  /** For tests: forget what this isolate knows. */
  reset(): void {
    last = undefined
  },
}
