import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TIERS } from '../contracts/common'
import { WIRE_TIERS, decodeCompact, encodeCompact } from './compact'
import {
  mintTrackingToken,
  mintTrackingTokens,
  verifyTrackingToken,
  type TrackingClaims,
} from './token'

const SECRET = 'test-tracking-secret'

const claims = (over: Partial<TrackingClaims> = {}): TrackingClaims => ({
  t: 'acme',
  u: 'u.user-1',
  s: 'slate-1',
  i: 'item-9',
  p: 3,
  tier: 'cached_user',
  r: 'rel-2026-11-21',
  v: 'ranker=a,slates=base',
  ts: 1_795_000_000,
  ...over,
})

const enc = new TextEncoder()
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

/**
 * Signs `body` the documented way: key = HMAC-SHA256(secret, "tracking:" + tenant), sig = HMAC-SHA256(key, body),
 * truncated to `bytes` (16 for a compact body, all 32 for a JSON one).
 */
async function signAs(secret: string, tenant: string, body: string, bytes = 32): Promise<string> {
  const hmac = async (key: BufferSource, data: string) => {
    const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(data)))
  }
  const tenantKey = await hmac(enc.encode(secret), `tracking:${tenant}`)
  return `${body}.${b64url((await hmac(tenantKey, body)).subarray(0, bytes))}`
}

/** A token of the JSON form, as minted before the compact form existed. */
const jsonToken = (c: TrackingClaims, secret = SECRET) =>
  signAs(secret, c.t, b64url(enc.encode(JSON.stringify(c))))

/** A compact token signed with `tenant`'s key (default: the claims' tenant). */
const compactToken = (c: TrackingClaims, tenant = c.t) =>
  signAs(SECRET, tenant, b64url(encodeCompact([c])[0]!), 16)

/** Whether a string survives UTF-8 (no lone surrogate), by the encoder's own replacement. */
const wellFormed = (s: string) => new TextDecoder().decode(enc.encode(s)) === s

/** Replaces the character at `i` with another base64url character. */
const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)

describe('tracking tokens', () => {
  it('round-trips: a minted token verifies for its tenant, subject and item and returns the claims', async () => {
    const c = claims()
    const token = await mintTrackingToken(SECRET, c)
    // Compact: the version byte 2 makes the first character 'A'; a 16-byte signature is 22 characters.
    expect(token).toMatch(/^A[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
    expect(token.length).toBeLessThan(b64url(enc.encode(JSON.stringify(c))).length)
    expect(
      await verifyTrackingToken(SECRET, token, { tenant: 'acme', subject: c.u, item: c.i }),
    ).toEqual({
      ok: true,
      value: c,
    })
    expect(await verifyTrackingToken(SECRET, token, { tenant: 'acme' })).toEqual({
      ok: true,
      value: c,
    })
  })

  it('is signed with the tenant-derived key (HMAC-SHA256 of "tracking:" + tenant under the secret)', async () => {
    const token = await mintTrackingToken(SECRET, claims())
    const [body] = token.split('.')
    expect(await signAs(SECRET, 'acme', body!, 16)).toBe(token)
    expect(await compactToken(claims())).toBe(token)
  })

  it('still verifies tokens of the JSON form (minted before the compact form)', async () => {
    for (const c of [claims(), claims({ v: undefined, tier: 'emergency', p: 100 })])
      expect(
        await verifyTrackingToken(SECRET, await jsonToken(c), { tenant: 'acme', subject: c.u }),
      ).toEqual({ ok: true, value: c })
  })

  it('the body is compact for claims UTF-8 can carry, and the claims as JSON (whole signature) otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 60, unit: 'binary' }),
        fc.string({ maxLength: 60, unit: 'grapheme' }),
        fc.integer({ min: 1, max: 100 }),
        async (u, i, p) => {
          const c = claims({ u, i, p })
          const token = await mintTrackingToken(SECRET, c)
          if (wellFormed(u)) expect(token).toBe(await compactToken(c))
          else expect(token).toBe(await jsonToken(c))
        },
      ),
    )
  })

  it('a compact body decodes to its claims, and only a canonical body decodes at all', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            t: fc.string({ maxLength: 20 }),
            u: fc.string({ maxLength: 40, unit: 'grapheme' }),
            s: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
            i: fc.string({ maxLength: 40, unit: 'grapheme' }),
            p: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat()),
            tier: fc.constantFrom(...TIERS),
            r: fc.string({ maxLength: 20 }),
            v: fc.string({ maxLength: 30 }),
            ts: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 }), fc.maxSafeNat()),
          },
          { requiredKeys: ['t', 'u', 's', 'i', 'p', 'tier', 'r', 'ts'] },
        ),
        fc.uint8Array({ maxLength: 120 }),
        (c, noise) => {
          const body = encodeCompact([c])[0]!
          expect(decodeCompact(body)).toEqual(c)
          // Any bytes after the version byte: what decodes re-encodes to the same bytes.
          const bytes = Uint8Array.from([2, ...noise])
          const d = decodeCompact(bytes)
          if (d) expect([...encodeCompact([d])[0]!]).toEqual([...bytes])
          // Truncated or extended bodies never decode.
          expect(decodeCompact(body.subarray(0, body.length - 1))).toBeUndefined()
          expect(decodeCompact(Uint8Array.from([...body, 0]))).toBeUndefined()
        },
      ),
      { numRuns: 500 },
    )
  })

  it('every tier has a wire index, and the list only grows', () => {
    expect([...WIRE_TIERS].sort()).toEqual([...TIERS].sort())
    expect(WIRE_TIERS.slice(0, 6)).toEqual([
      'ranked',
      'edge_rescored',
      'cached_user',
      'segment',
      'global_popular',
      'emergency',
    ])
  })

  it('encodes the response-wide part once and the same as alone, whatever the claims around it', () => {
    const list = [
      claims({ p: 1 }),
      claims({ p: 2, tier: 'segment', i: 'item-10' }),
      claims({ p: 3, u: 'u.\ud800' }),
      claims({ p: 4, s: '6F1C2B5E-1D2A-4C3B-9A8B-7C6D5E4F3A2B' }),
      claims({ p: 5, s: '6f1c2b5e-1d2a-4c3b-9a8b-7c6d5e4f3a2b' }),
    ]
    const all = encodeCompact(list)
    expect(all[2]).toBeUndefined()
    for (const [i, c] of list.entries())
      if (i !== 2) expect([...all[i]!]).toEqual([...encodeCompact([c])[0]!])
    // A (lowercase, canonical) UUID slate id travels as 16 bytes, any other id as its text.
    expect(all[4]!.length).toBeLessThan(all[3]!.length)
  })

  it('mints a list in order, each token as minted alone, each tenant with its own key', async () => {
    const list = [claims({ p: 1 }), claims({ t: 'other', p: 2 }), claims({ i: 'item-10', p: 3 })]
    const tokens = await mintTrackingTokens(SECRET, list)
    expect(tokens).toEqual(await Promise.all(list.map((c) => mintTrackingToken(SECRET, c))))
    for (const [i, c] of list.entries())
      expect(await verifyTrackingToken(SECRET, tokens[i]!, { tenant: c.t, item: c.i })).toEqual({
        ok: true,
        value: c,
      })
    expect((await verifyTrackingToken(SECRET, tokens[1]!, { tenant: 'acme' })).ok).toBe(false)
    expect(await mintTrackingTokens(SECRET, [])).toEqual([])
  })

  it('round-trips arbitrary claims', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          t: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
          u: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
          s: fc.oneof(fc.uuid(), fc.string({ maxLength: 40, unit: 'binary' })),
          i: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
          p: fc.integer({ min: 1, max: 100 }),
          tier: fc.constantFrom(...TIERS),
          r: fc.string({ maxLength: 20 }),
          ts: fc.nat(),
        }),
        async (c) => {
          const token = await mintTrackingToken(SECRET, c)
          expect(
            await verifyTrackingToken(SECRET, token, { tenant: c.t, subject: c.u, item: c.i }),
          ).toEqual({
            ok: true,
            value: c,
          })
        },
      ),
      { numRuns: 100 },
    )
  })

  it('rejects a token whose body was edited', async () => {
    const token = await mintTrackingToken(SECRET, claims())
    const [body, sig] = token.split('.') as [string, string]
    const edited = `${b64url(encodeCompact([claims({ i: 'item-other' })])[0]!)}.${sig}`
    expect(await verifyTrackingToken(SECRET, edited, { tenant: 'acme' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
    for (const i of [0, 5, Math.floor(body.length / 2), body.length - 2]) {
      const r = await verifyTrackingToken(SECRET, `${flip(body, i)}.${sig}`, { tenant: 'acme' })
      expect(r.ok).toBe(false)
    }
    const old = await jsonToken(claims())
    const [, oldSig] = old.split('.')
    const forged = `${b64url(enc.encode(JSON.stringify(claims({ i: 'item-other' }))))}.${oldSig}`
    expect(await verifyTrackingToken(SECRET, forged, { tenant: 'acme' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
  })

  it('rejects a token whose signature was edited, in either form', async () => {
    const cases: Array<[string, number[]]> = [
      [await mintTrackingToken(SECRET, claims()), [0, 10, 20]],
      [await jsonToken(claims()), [0, 10, 21, 41]],
    ]
    for (const [token, at] of cases) {
      const [body, sig] = token.split('.') as [string, string]
      for (const i of at)
        expect(
          await verifyTrackingToken(SECRET, `${body}.${flip(sig, i)}`, { tenant: 'acme' }),
        ).toEqual({ ok: false, error: 'bad_signature' })
      // The last character carries unused bits: another text for the same bytes is refused too.
      const r = await verifyTrackingToken(SECRET, `${body}.${flip(sig, sig.length - 1)}`, {
        tenant: 'acme',
      })
      expect(r.ok).toBe(false)
    }
  })

  it("refuses a signature of the other form's length as malformed", async () => {
    const [body, sig] = (await mintTrackingToken(SECRET, claims())).split('.') as [string, string]
    const [jsonBody, jsonSig] = (await jsonToken(claims())).split('.') as [string, string]
    for (const token of [`${body}.${jsonSig}`, `${jsonBody}.${sig}`])
      expect(await verifyTrackingToken(SECRET, token, { tenant: 'acme' })).toEqual({
        ok: false,
        error: 'malformed',
      })
  })

  it('refuses a correctly signed compact body that does not decode as malformed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 60 }), async (noise) => {
        const bytes = Uint8Array.from([2, ...noise])
        fc.pre(decodeCompact(bytes) === undefined)
        const token = await signAs(SECRET, 'acme', b64url(bytes), 16)
        expect(await verifyTrackingToken(SECRET, token, { tenant: 'acme' })).toEqual({
          ok: false,
          error: 'malformed',
        })
      }),
      { numRuns: 100 },
    )
  })

  it('never verifies a token of tenant A for tenant B, even with the claims edited to name B', async () => {
    const token = await mintTrackingToken(SECRET, claims({ t: 'tenant-a' }))
    expect(await verifyTrackingToken(SECRET, token, { tenant: 'tenant-b' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
    const [, sig] = token.split('.')
    const renamed = `${b64url(encodeCompact([claims({ t: 'tenant-b' })])[0]!)}.${sig}`
    expect(await verifyTrackingToken(SECRET, renamed, { tenant: 'tenant-b' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
  })

  it('rejects a token signed with another secret', async () => {
    const token = await mintTrackingToken('another-secret', claims())
    expect(await verifyTrackingToken(SECRET, token, { tenant: 'acme' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
  })

  it('rejects a correctly signed token that names another tenant as wrong_tenant', async () => {
    const body = b64url(enc.encode(JSON.stringify(claims({ t: 'other' }))))
    expect(
      await verifyTrackingToken(SECRET, await signAs(SECRET, 'acme', body), { tenant: 'acme' }),
    ).toEqual({
      ok: false,
      error: 'wrong_tenant',
    })
    expect(
      await verifyTrackingToken(SECRET, await compactToken(claims({ t: 'other' }), 'acme'), {
        tenant: 'acme',
      }),
    ).toEqual({ ok: false, error: 'wrong_tenant' })
  })

  it('rejects a token presented for another subject or item', async () => {
    const token = await mintTrackingToken(SECRET, claims())
    expect(
      await verifyTrackingToken(SECRET, token, { tenant: 'acme', subject: 'u.user-2' }),
    ).toEqual({
      ok: false,
      error: 'wrong_subject',
    })
    expect(
      await verifyTrackingToken(SECRET, token, {
        tenant: 'acme',
        subject: 'u.user-1',
        item: 'item-8',
      }),
    ).toEqual({
      ok: false,
      error: 'wrong_item',
    })
  })

  it.each([
    '',
    '.',
    'garbage',
    'a.b.c',
    'not base64!.AAAA',
    'eyJ0IjoiYWNtZSJ9.short',
    `eyJ0IjoiYWNtZSJ9.${'A'.repeat(42)}`,
    `eyJ0IjoiYWNtZSJ9.${'A'.repeat(44)}`,
    `eyJ0IjoiYWNtZSJ9.${'A'.repeat(43)}=`,
    `eyJ0IjoiYWNtZSJ9.${'+'.repeat(43)}`,
    `A.${'A'.repeat(43)}`,
  ])('rejects %j as malformed', async (token) => {
    expect(await verifyTrackingToken(SECRET, token, { tenant: 'acme' })).toEqual({
      ok: false,
      error: 'malformed',
    })
  })

  it('rejects a correctly signed body that is not JSON as malformed', async () => {
    const body = b64url(enc.encode('not json'))
    expect(
      await verifyTrackingToken(SECRET, await signAs(SECRET, 'acme', body), { tenant: 'acme' }),
    ).toEqual({
      ok: false,
      error: 'malformed',
    })
  })

  it('keeps working across many tenants (key cache eviction)', async () => {
    const tenants = Array.from({ length: 1100 }, (_, i) => `t${i}`)
    const tokens = await Promise.all(tenants.map((t) => mintTrackingToken(SECRET, claims({ t }))))
    for (const i of [0, 1, 999, 1000, 1099]) {
      const r = await verifyTrackingToken(SECRET, tokens[i]!, { tenant: tenants[i]! })
      expect(r.ok).toBe(true)
      expect(
        (await verifyTrackingToken(SECRET, tokens[i]!, { tenant: tenants[(i + 1) % 1100]! })).ok,
      ).toBe(false)
    }
  })

  it('does not confuse secret and tenant pairs that concatenate to the same text (key cache)', async () => {
    const token = await mintTrackingToken('a:b', claims({ t: 'c' }))
    expect((await verifyTrackingToken('a:b', token, { tenant: 'c' })).ok).toBe(true)
    expect(await verifyTrackingToken('a', token, { tenant: 'b:c' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
  })
})
