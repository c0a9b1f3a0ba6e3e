import { describe, expect, it } from 'vitest'
import {
  mintTrackingToken,
  TOKEN_CLOCK_SKEW_S,
  verifyTrackingToken,
  type TrackingClaims,
} from './token'

const SECRET = 'a-secret-for-these-tests-only-0123'
const NOW_MS = Date.parse('2026-11-21T12:00:00Z')
const NOW_S = NOW_MS / 1000
const claims = (over: Partial<TrackingClaims> = {}): TrackingClaims => ({
  t: 'acme',
  u: 'u.user-1',
  s: 'slate-1',
  i: 'item-9',
  p: 3,
  tier: 'cached_user',
  r: 'rel-1',
  ts: NOW_S,
  ...over,
})
const verify = async (c: TrackingClaims, maxAgeS = 3_600) =>
  verifyTrackingToken(SECRET, await mintTrackingToken(SECRET, c), {
    tenant: 'acme',
    lifetime: { nowMs: NOW_MS, maxAgeS },
  })

describe('tracking tokens (security: replayable for ever, 500 on a signed ts of 1e300)', () => {
  it('verify within [ts, ts + maxAgeS], allowing the clock skew ahead, and are expired outside', async () => {
    for (const ts of [NOW_S, NOW_S - 3_600, NOW_S + TOKEN_CLOCK_SKEW_S])
      expect((await verify(claims({ ts }))).ok).toBe(true)
    for (const ts of [0, NOW_S - 3_601, NOW_S + TOKEN_CLOCK_SKEW_S + 1])
      expect(await verify(claims({ ts }))).toEqual({ ok: false, error: 'expired' })
    // Without a lifetime to check (decoding a log, say), age does not matter.
    const old = await mintTrackingToken(SECRET, claims({ ts: 0 }))
    expect((await verifyTrackingToken(SECRET, old, { tenant: 'acme' })).ok).toBe(true)
  })

  it('signed claims no edge mints are malformed, whatever the lifetime check', async () => {
    const bad: Array<Partial<TrackingClaims>> = [
      { ts: 1e300 },
      { ts: -1 },
      { ts: 0.5 },
      { ts: 8.64e12 + 1 },
      { ts: Number.NaN },
      { p: 0 },
      { p: 1.5 },
      { tier: 'bogus' as TrackingClaims['tier'] },
    ]
    for (const over of bad) {
      const token = await mintTrackingToken(SECRET, claims(over))
      for (const lifetime of [undefined, { nowMs: NOW_MS, maxAgeS: 3_600 }])
        expect(await verifyTrackingToken(SECRET, token, { tenant: 'acme', lifetime })).toEqual({
          ok: false,
          error: 'malformed',
        })
    }
  })
})
