import { describe, expect, inject, it } from 'vitest'
import { UpstashRequestState } from './upstash'

/**
 * What ends a read when the store hangs: the adapter's timer, at the configured length. The store is a port that
 * accepts connections and never answers (test/global-setup.ts); the timer is injected so the test fires it.
 */
describe('UpstashRequestState against a store that never answers', () => {
  it('asks for a timer of timeoutMs on each read, and reads as unavailable when it fires', async () => {
    const asked: number[] = []
    const timer = new AbortController()
    const state = new UpstashRequestState({
      url: inject('blackholeUrl'),
      token: 'test-token',
      timeoutMs: 60,
      timeoutSignal: (ms) => {
        asked.push(ms)
        return timer.signal
      },
    })
    const read = state.read({ tenant: 't', subject: 'u.u1', withKillSwitches: true, now: 0 })
    // Nothing else can end the read: without the timer this would hang until the test's timeout.
    timer.abort(new DOMException('timed out', 'TimeoutError'))
    expect(await read).toEqual({ user: undefined, tombstones: undefined })
    expect(asked).toEqual([60])
  })
})
