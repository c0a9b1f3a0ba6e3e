import type { KillSwitchMap } from '@recsys/shared'
import { beforeEach, describe, expect, it } from 'vitest'
import { killSwitchCache } from './kill-switch-cache'

/** The isolate's kill-switch cache on an injected clock: what bounds how long an engaged switch goes unseen. */
describe('killSwitchCache', () => {
  // The cache is the isolate's, and test files share an isolate (vitest.config.ts): each test starts from none.
  beforeEach(() => killSwitchCache.reset())
  const engaged: KillSwitchMap = {
    'edge.scorer': { at: '2026-11-21T00:00:00.000Z' },
  }

  it('is fresh for less than the TTL after a read from Redis, then the next request reads again', () => {
    killSwitchCache.store(engaged, 10_000)
    expect(killSwitchCache.fresh(10_000, 1000)).toBe(engaged)
    expect(killSwitchCache.fresh(10_999, 1000)).toBe(engaged)
    expect(killSwitchCache.fresh(11_000, 1000)).toBeUndefined()
    // A newer read restarts the TTL.
    killSwitchCache.store({}, 11_000)
    expect(killSwitchCache.fresh(11_500, 1000)).toEqual({})
  })

  it('keeps the last map as a stale stand-in for when Redis fails, and nothing before a first read', () => {
    expect(killSwitchCache.fresh(0, 1000)).toBeUndefined()
    expect(killSwitchCache.stale()).toBeUndefined()
    killSwitchCache.store(engaged, 0)
    expect(killSwitchCache.fresh(60_000, 1000)).toBeUndefined()
    expect(killSwitchCache.stale()).toBe(engaged)
  })
})
