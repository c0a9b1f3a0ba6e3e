import { describe, expect, inject, it } from 'vitest'
import { parseKillSwitches, UpstashRequestState } from './upstash'

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

describe('parseKillSwitches (the kill-switch hash as HGETALL returns it)', () => {
  it('keeps value and at of the entries the control plane writes', () => {
    const at = '2030-01-02T03:04:05.000Z'
    expect(
      parseKillSwitches([
        'edge.force_tier',
        JSON.stringify({ value: 'segment', at }),
        'edge.scorer',
        JSON.stringify({ at }),
      ]),
    ).toEqual({
      'edge.force_tier': { value: 'segment', at },
      'edge.scorer': { value: undefined, at },
    })
  })

  it('decodes entries of older control planes, which carried the reason, without keeping the reason', () => {
    const old = JSON.stringify({ value: 'emergency', reason: 'r'.repeat(100_000), at: 'x' })
    const map = parseKillSwitches(['edge.force_tier', old])
    expect(map).toEqual({ 'edge.force_tier': { value: 'emergency', at: 'x' } })
    expect(JSON.stringify(map).length).toBeLessThan(100)
  })

  it('counts an unparsable entry as engaged, with no value', () => {
    expect(parseKillSwitches(['edge.scorer', '{nope'])).toEqual({ 'edge.scorer': {} })
  })
})
