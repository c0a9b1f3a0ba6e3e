import { TIERS, type Tier } from '../contracts/common'
import { err, ok, type Result } from '../util/result'
import { COMPACT_VERSION, decodeCompact, encodeCompact } from './compact'

/** What a tracking token binds: an impression of one item at one position of one slate. */
export interface TrackingClaims {
  /** tenant */
  t: string
  /** subject (user or anonymous id) */
  u: string
  /** slate id */
  s: string
  /** item id */
  i: string
  /** 1-based position */
  p: number
  tier: Tier
  /** release */
  r: string
  /** experiment variants, `exp=variant` joined by `,` */
  v?: string
  /** minted at, seconds since epoch */
  ts: number
}

const enc = new TextEncoder()

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64URL_CODES = Uint8Array.from(B64URL, (c) => c.charCodeAt(0))

/**
 * base64url without padding, as ASCII bytes: the token body is signed as these bytes, so a token is encoded once
 * (one of these per item of every response; btoa and three regex passes cost several times more).
 */
function b64urlBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const n = bytes.length
  const out = new Uint8Array(Math.ceil((n * 4) / 3))
  let o = 0
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o++] = B64URL_CODES[v >>> 18]!
    out[o++] = B64URL_CODES[(v >>> 12) & 63]!
    out[o++] = B64URL_CODES[(v >>> 6) & 63]!
    out[o++] = B64URL_CODES[v & 63]!
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | ((i + 1 < n ? bytes[i + 1]! : 0) << 8)
    out[o++] = B64URL_CODES[v >>> 18]!
    out[o++] = B64URL_CODES[(v >>> 12) & 63]!
    if (i + 1 < n) out[o++] = B64URL_CODES[(v >>> 6) & 63]!
  }
  return out
}

/** ASCII bytes to a string (UTF-8 decoding of ASCII is the identity, and native). */
const ascii = (bytes: Uint8Array): string => dec.decode(bytes)
const dec = new TextDecoder()

function fromB64url(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0))
  } catch {
    return undefined
  }
}

const keyCache = new Map<string, Promise<CryptoKey>>()

/** The tenant's signing key: HMAC-SHA256(secret, "tracking:" + tenant). A token of one tenant never verifies for another. */
function tenantKey(secret: string, tenant: string): Promise<CryptoKey> {
  const id = `${secret.length}:${secret}:${tenant}`
  let key = keyCache.get(id)
  if (!key) {
    key = (async () => {
      const root = await crypto.subtle.importKey(
        'raw',
        enc.encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      )
      const derived = await crypto.subtle.sign('HMAC', root, enc.encode(`tracking:${tenant}`))
      return crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ])
    })()
    if (keyCache.size > 1000) keyCache.clear()
    keyCache.set(id, key)
  }
  return key
}

/** Bytes of the signature kept in a compact token: HMAC-SHA256 truncated to 128 bits (as RFC 4868 does). */
const COMPACT_SIG_BYTES = 16
/** The JSON body's first byte, `{`. */
const JSON_BODY = 0x7b

/**
 * Mints `base64url(body).base64url(signature)`, signed with the tenant's key over the base64url text of the body.
 * The body is the compact encoding of the claims (`./compact.ts`, with a 16-byte signature: about 100 characters
 * for typical ids) or, for claims it cannot carry exactly (a lone surrogate in an id), the claims as JSON with the
 * whole 32-byte signature. Tokens are opaque to clients (docs/edge.md#tracking-tokens); both forms verify.
 */
export async function mintTrackingToken(secret: string, claims: TrackingClaims): Promise<string> {
  return (await mintTrackingTokens(secret, [claims]))[0]!
}

/** Mints one token per claims, in order (a response's items): each tenant's key is looked up once. */
export async function mintTrackingTokens(
  secret: string,
  list: readonly TrackingClaims[],
): Promise<string[]> {
  const keys = new Map<string, CryptoKey>()
  for (const c of list) if (!keys.has(c.t)) keys.set(c.t, await tenantKey(secret, c.t))
  const compact = encodeCompact(list)
  const bodies = list.map((c, i) => b64urlBytes(compact[i] ?? enc.encode(JSON.stringify(c))))
  const sigs = await Promise.all(
    bodies.map((b, i) => crypto.subtle.sign('HMAC', keys.get(list[i]!.t)!, b)),
  )
  return bodies.map((b, i) => {
    const sig = new Uint8Array(sigs[i]!, 0, compact[i] ? COMPACT_SIG_BYTES : undefined)
    return `${ascii(b)}.${ascii(b64urlBytes(sig))}`
  })
}

export type TokenError =
  'malformed' | 'bad_signature' | 'wrong_tenant' | 'wrong_subject' | 'wrong_item' | 'expired'

/** How far ahead of the verifier's clock a token's `ts` may be (clocks of edge isolates differ a little). */
export const TOKEN_CLOCK_SKEW_S = 300
/** The latest `ts` a Date can hold (8.64e15 ms): a signed claim beyond it is malformed, not a crash. */
const MAX_TS_S = 8_640_000_000_000

/**
 * Verifies a token for the calling tenant (and, when given, the subject and item the event names, and its lifetime:
 * minted at most `maxAgeS` before `nowMs` and at most {@link TOKEN_CLOCK_SKEW_S} after it).
 * @note The signature is checked with the caller's tenant key, so another tenant's token fails as a bad signature
 * even if its claims were edited to name the caller. Signed claims of the wrong shape (a JSON body with `ts: 1e300`,
 * which only a holder of the secret can mint) are malformed.
 */
export async function verifyTrackingToken(
  secret: string,
  token: string,
  expect: {
    tenant: string
    subject?: string
    item?: string
    lifetime?: { nowMs: number; maxAgeS: number }
  },
): Promise<Result<TrackingClaims, TokenError>> {
  const parts = token.split('.')
  if (parts.length !== 2) return err('malformed')
  const body = fromB64url(parts[0]!)
  const sig = fromB64url(parts[1]!)
  // The signature's text must be canonical base64url (no stray bits in its last character): one text per token.
  if (!body || !sig || ascii(b64urlBytes(sig)) !== parts[1]) return err('malformed')
  const key = await tenantKey(secret, expect.tenant)
  const signed = enc.encode(parts[0]!)
  let claims: TrackingClaims | undefined
  // The body's first byte names its format, and each format has its own signature length.
  if (body[0] === COMPACT_VERSION && sig.length === COMPACT_SIG_BYTES) {
    const full = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed))
    if (!equalPrefix(full, sig)) return err('bad_signature')
    claims = decodeCompact(body)
  } else if (body[0] === JSON_BODY && sig.length === 32) {
    if (!(await crypto.subtle.verify('HMAC', key, sig, signed))) return err('bad_signature')
    try {
      claims = JSON.parse(new TextDecoder().decode(body)) as TrackingClaims
    } catch {
      return err('malformed')
    }
  } else return err('malformed')
  if (!claims || !wellTyped(claims)) return err('malformed')
  if (claims.t !== expect.tenant) return err('wrong_tenant')
  if (expect.subject !== undefined && claims.u !== expect.subject) return err('wrong_subject')
  if (expect.item !== undefined && claims.i !== expect.item) return err('wrong_item')
  if (expect.lifetime) {
    const now = Math.floor(expect.lifetime.nowMs / 1000)
    if (claims.ts > now + TOKEN_CLOCK_SKEW_S || claims.ts < now - expect.lifetime.maxAgeS)
      return err('expired')
  }
  return ok(claims)
}

const isString = (x: unknown) => typeof x === 'string'

/** Claims as minted: strings, a 1-based position, a known tier, a `ts` a Date can hold (compact ones always are). */
function wellTyped(c: TrackingClaims): boolean {
  const x = c as unknown as Record<string, unknown>
  return (
    isString(x.t) &&
    isString(x.u) &&
    isString(x.s) &&
    isString(x.i) &&
    isString(x.r) &&
    (x.v === undefined || isString(x.v)) &&
    Number.isSafeInteger(x.p) &&
    (x.p as number) >= 1 &&
    Number.isSafeInteger(x.ts) &&
    (x.ts as number) >= 0 &&
    (x.ts as number) <= MAX_TS_S &&
    (TIERS as readonly unknown[]).includes(x.tier)
  )
}

/** Whether `sig` equals the first `sig.length` bytes of `full`, in time that does not depend on where they differ. */
function equalPrefix(full: Uint8Array, sig: Uint8Array): boolean {
  let diff = 0
  for (let k = 0; k < sig.length; k++) diff |= full[k]! ^ sig[k]!
  return diff === 0
}
