import type { Tier } from '../contracts/common'
import type { TrackingClaims } from './token'

/**
 * The compact token body (format 2): the claims as bytes instead of JSON, about 40 % of the JSON's size for typical
 * ids. A JSON body starts with `{` (0x7b), so the first byte tells the formats apart, and it is signed with the rest.
 *
 * Layout (varint: unsigned LEB128; str: varint byte length + UTF-8):
 * `[2] varint(ts) str(t) str(u) slate str(r) [0 | 1 str(v)] [tier] varint(p) str(i)`, where `slate` is `[0]` + the
 * 16 bytes of a lowercase canonical UUID, or `[1] str(s)` for any other slate id, and `tier` is its index in
 * {@link WIRE_TIERS}. Everything up to the tier is the same for every item of a response, so it is encoded once.
 */
export const COMPACT_VERSION = 2

/** Tiers by wire index. Append only: a token names its tier by position in this list. */
export const WIRE_TIERS: readonly Tier[] = [
  'ranked',
  'edge_rescored',
  'cached_user',
  'segment',
  'global_popular',
  'emergency',
]
const TIER_INDEX = new Map(WIRE_TIERS.map((t, i) => [t, i]))

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const enc = new TextEncoder()
const strict = new TextDecoder('utf-8', { fatal: true })

/**
 * The compact body of each claims, in order, or undefined for claims that have none that decodes to exactly the same
 * claims: a string that is not well-formed UTF-16 (UTF-8 cannot carry a lone surrogate; JSON can, so such claims
 * keep the JSON body), `p` or `ts` not a safe non-negative integer, or a tier without a wire index. The
 * response-wide part is encoded once for consecutive claims that share it.
 */
export function encodeCompact(list: readonly TrackingClaims[]): Array<Uint8Array | undefined> {
  let prefix: Uint8Array | undefined
  let prev: TrackingClaims | undefined
  return list.map((c) => {
    if (!prev || !sameResponse(prev, c)) {
      prefix = prefixEncodable(c) ? encodePrefix(c) : undefined
      prev = c
    }
    const tier = TIER_INDEX.get(c.tier)
    if (!prefix || tier === undefined || !isSafeNat(c.p) || !wellFormed(c.i)) return undefined
    const item = enc.encode(c.i)
    const w = new Writer(prefix.length + 1 + 8 + 5 + item.length)
    w.bytes(prefix)
    w.byte(tier)
    w.varint(c.p)
    w.str(item)
    return w.done()
  })
}

/** Decodes a compact body, or undefined when it is not one (wrong version, truncated, trailing bytes, bad UTF-8). */
export function decodeCompact(bytes: Uint8Array): TrackingClaims | undefined {
  const r = new Reader(bytes)
  try {
    if (r.byte() !== COMPACT_VERSION) return undefined
    const ts = r.varint()
    const t = r.str()
    const u = r.str()
    const kind = r.byte()
    const s = kind === 0 ? uuid(r.take(16)) : kind === 1 ? r.str() : undefined
    // One encoding per claims: a UUID slate id is always written as 16 bytes.
    if (s === undefined || (kind === 1 && UUID.test(s))) return undefined
    const rel = r.str()
    const hasV = r.byte()
    if (hasV > 1) return undefined
    const v = hasV === 1 ? r.str() : undefined
    const tier = WIRE_TIERS[r.byte()]
    const p = r.varint()
    const i = r.str()
    if (!tier || !r.atEnd()) return undefined
    return { t, u, s, i, p, tier, r: rel, ...(v !== undefined && { v }), ts }
  } catch {
    return undefined
  }
}

const prefixEncodable = (c: TrackingClaims) =>
  isSafeNat(c.ts) &&
  wellFormed(c.t) &&
  wellFormed(c.u) &&
  wellFormed(c.s) &&
  wellFormed(c.r) &&
  (c.v === undefined || wellFormed(c.v))

const sameResponse = (a: TrackingClaims, b: TrackingClaims) =>
  a.ts === b.ts && a.t === b.t && a.u === b.u && a.s === b.s && a.r === b.r && a.v === b.v

function encodePrefix(c: TrackingClaims): Uint8Array {
  const t = enc.encode(c.t)
  const u = enc.encode(c.u)
  const r = enc.encode(c.r)
  const v = c.v === undefined ? undefined : enc.encode(c.v)
  const slate = UUID.test(c.s) ? undefined : enc.encode(c.s)
  const w = new Writer(
    64 + t.length + u.length + r.length + (v?.length ?? 0) + (slate?.length ?? 16),
  )
  w.byte(COMPACT_VERSION)
  w.varint(c.ts)
  w.str(t)
  w.str(u)
  if (slate) {
    w.byte(1)
    w.str(slate)
  } else {
    w.byte(0)
    const hex = c.s.replace(/-/g, '')
    for (let k = 0; k < 32; k += 2) w.byte(parseInt(hex.slice(k, k + 2), 16))
  }
  w.str(r)
  if (v) {
    w.byte(1)
    w.str(v)
  } else w.byte(0)
  return w.done()
}

function uuid(b: Uint8Array): string {
  let hex = ''
  for (const x of b) hex += x.toString(16).padStart(2, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const isSafeNat = (n: number) => Number.isSafeInteger(n) && n >= 0

/** No lone surrogate: the string survives UTF-8 unchanged. */
function wellFormed(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c > 0xdbff) return false
    const next = s.charCodeAt(k + 1)
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false
    k++
  }
  return true
}

class Writer {
  private buf: Uint8Array
  private at = 0
  constructor(size: number) {
    this.buf = new Uint8Array(size)
  }
  byte(b: number) {
    this.buf[this.at++] = b
  }
  bytes(b: Uint8Array) {
    this.buf.set(b, this.at)
    this.at += b.length
  }
  /** Unsigned LEB128 of a safe non-negative integer (arithmetic, not bit ops: values may exceed 2^31). */
  varint(n: number) {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80)
      n = Math.floor(n / 0x80)
    }
    this.byte(n)
  }
  str(b: Uint8Array) {
    if (this.at + 10 + b.length > this.buf.length) this.grow(10 + b.length)
    this.varint(b.length)
    this.bytes(b)
  }
  private grow(extra: number) {
    const next = new Uint8Array(this.buf.length * 2 + extra)
    next.set(this.buf.subarray(0, this.at))
    this.buf = next
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.at)
  }
}

class Reader {
  private at = 0
  constructor(private readonly buf: Uint8Array) {}
  byte(): number {
    if (this.at >= this.buf.length) throw new RangeError('truncated')
    return this.buf[this.at++]!
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.buf.length) throw new RangeError('truncated')
    const out = this.buf.subarray(this.at, this.at + n)
    this.at += n
    return out
  }
  varint(): number {
    let n = 0
    let scale = 1
    for (let k = 0; k < 8; k++) {
      const b = this.byte()
      n += (b & 0x7f) * scale
      if (b < 0x80) {
        if (!Number.isSafeInteger(n) || (k > 0 && b === 0)) throw new RangeError('bad varint')
        return n
      }
      scale *= 0x80
    }
    throw new RangeError('varint too long')
  }
  str(): string {
    return strict.decode(this.take(this.varint()))
  }
  atEnd(): boolean {
    return this.at === this.buf.length
  }
}
