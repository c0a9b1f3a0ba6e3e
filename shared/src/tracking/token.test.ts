import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TIERS } from '../contracts/common'
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
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))

/** Signs `body` the documented way: key = HMAC-SHA256(secret, "tracking:" + tenant), sig = HMAC-SHA256(key, body). */
async function signAs(secret: string, tenant: string, body: string): Promise<string> {
  const hmac = async (key: BufferSource, data: string) => {
    const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(data)))
  }
  const tenantKey = await hmac(enc.encode(secret), `tracking:${tenant}`)
  return `${body}.${b64url(await hmac(tenantKey, body))}`
}

/** Replaces the character at `i` with another base64url character. */
const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)

describe('tracking tokens', () => {
  it('round-trips: a minted token verifies for its tenant, subject and item and returns the claims', async () => {
    const c = claims()
    const token = await mintTrackingToken(SECRET, c)
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
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
    expect(await signAs(SECRET, 'acme', body!)).toBe(token)
  })

  it('the body is base64url (no padding) of the claims as JSON, for any claims', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 60, unit: 'binary' }),
        fc.string({ maxLength: 60, unit: 'grapheme' }),
        fc.integer({ min: 1, max: 100 }),
        async (u, i, p) => {
          const c = claims({ u, i, p })
          const [body] = (await mintTrackingToken(SECRET, c)).split('.')
          expect(body).toBe(b64url(enc.encode(JSON.stringify(c))))
        },
      ),
    )
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
          s: fc.uuid(),
          i: fc.string({ minLength: 1, maxLength: 40 }),
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

  it('rejects a token whose body was edited as bad_signature', async () => {
    const token = await mintTrackingToken(SECRET, claims())
    const [body, sig] = token.split('.') as [string, string]
    const edited = JSON.parse(new TextDecoder().decode(fromB64url(body))) as TrackingClaims
    edited.i = 'item-other'
    const forged = `${b64url(enc.encode(JSON.stringify(edited)))}.${sig}`
    expect(await verifyTrackingToken(SECRET, forged, { tenant: 'acme' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
    for (const i of [0, 5, Math.floor(body.length / 2), body.length - 2]) {
      const r = await verifyTrackingToken(SECRET, `${flip(body, i)}.${sig}`, { tenant: 'acme' })
      expect(r.ok).toBe(false)
    }
  })

  it('rejects a token whose signature was edited as bad_signature', async () => {
    const token = await mintTrackingToken(SECRET, claims())
    const [body, sig] = token.split('.') as [string, string]
    for (const i of [0, 10, 21, 41]) {
      expect(
        await verifyTrackingToken(SECRET, `${body}.${flip(sig, i)}`, { tenant: 'acme' }),
      ).toEqual({
        ok: false,
        error: 'bad_signature',
      })
    }
  })

  it('never verifies a token of tenant A for tenant B, even with the claims edited to name B', async () => {
    const token = await mintTrackingToken(SECRET, claims({ t: 'tenant-a' }))
    expect(await verifyTrackingToken(SECRET, token, { tenant: 'tenant-b' })).toEqual({
      ok: false,
      error: 'bad_signature',
    })
    const [, sig] = token.split('.')
    const renamed = `${b64url(enc.encode(JSON.stringify(claims({ t: 'tenant-b' }))))}.${sig}`
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
