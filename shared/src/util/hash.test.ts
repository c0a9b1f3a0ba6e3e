import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { murmur3, shardOf } from './hash'

/**
 * An independent MurmurHash3_x86_32 over raw bytes, written from the canonical C algorithm
 * (Austin Appleby, smhasher) with 16-bit split multiplication instead of Math.imul.
 */
function referenceMurmur3(bytes: Uint8Array, seed: number): number {
  const mul32 = (a: number, b: number) =>
    ((a & 0xffff) * b + ((((a >>> 16) * b) & 0xffff) << 16)) >>> 0
  const rotl32 = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0
  const fmix32 = (h: number) => {
    h = (h ^ (h >>> 16)) >>> 0
    h = mul32(h, 0x85ebca6b)
    h = (h ^ (h >>> 13)) >>> 0
    h = mul32(h, 0xc2b2ae35)
    return (h ^ (h >>> 16)) >>> 0
  }
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  const nblocks = Math.floor(bytes.length / 4)
  let h1 = seed >>> 0
  for (let i = 0; i < nblocks; i++) {
    const o = i * 4
    let k1 =
      (bytes[o]! + bytes[o + 1]! * 0x100 + bytes[o + 2]! * 0x10000 + bytes[o + 3]! * 0x1000000) >>>
      0
    k1 = mul32(k1, c1)
    k1 = rotl32(k1, 15)
    k1 = mul32(k1, c2)
    h1 = (h1 ^ k1) >>> 0
    h1 = rotl32(h1, 13)
    h1 = (mul32(h1, 5) + 0xe6546b64) >>> 0
  }
  const tail = nblocks * 4
  let k1 = 0
  const rest = bytes.length - tail
  if (rest >= 3) k1 = (k1 ^ (bytes[tail + 2]! << 16)) >>> 0
  if (rest >= 2) k1 = (k1 ^ (bytes[tail + 1]! << 8)) >>> 0
  if (rest >= 1) {
    k1 = (k1 ^ bytes[tail]!) >>> 0
    k1 = mul32(k1, c1)
    k1 = rotl32(k1, 15)
    k1 = mul32(k1, c2)
    h1 = (h1 ^ k1) >>> 0
  }
  h1 = (h1 ^ bytes.length) >>> 0
  return fmix32(h1)
}

const utf8 = (s: string) => new TextEncoder().encode(s)

describe('murmur3', () => {
  // Published MurmurHash3_x86_32 test vectors (smhasher-derived vectors widely used to check ports).
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['\0\0\0', 0, 0x85f0b427],
    ['\0\0', 0, 0x30f4c306],
    ['\0', 0, 0x514e28b7],
    ['!Ce', 0, 0x7e4a8634],
    ['!C', 0, 0xa0f7b07a],
    ['!', 0, 0x72661cf4],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['aaa', 0x9747b28c, 0x283e0130],
    ['aa', 0x9747b28c, 0x5d211726],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['ab', 0x9747b28c, 0x74875592],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['a'.repeat(256), 0x9747b28c, 0x37405bdc],
    ['abc', 0, 0xb3dd93fa],
    ['hello', 0, 0x248bfa47],
    ['hello, world', 0, 0x149bbb7f],
    ['19 Jan 2038 at 3:14:07 AM', 0, 0xe31e8a70],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['The quick brown fox jumps over the lazy dog.', 0, 0xd5c48bfc],
  ])('%j with seed %d hashes to the published value', (input, seed, expected) => {
    expect(murmur3(input, seed)).toBe(expected)
  })

  it('hashes the UTF-8 bytes of non-ASCII text (published vector for "ππππππππ")', () => {
    expect(murmur3('ππππππππ', 0x9747b28c)).toBe(0xd58063c1)
    const bytes = new Uint8Array(16)
    for (let i = 0; i < 16; i += 2) bytes.set([0xcf, 0x80], i)
    expect(murmur3('ππππππππ', 0x9747b28c)).toBe(referenceMurmur3(bytes, 0x9747b28c))
  })

  it.each(['é', '日本語', 'naïve café', '🙂', 'a🙂b', 'Ωmega-Ω'])(
    'hashes %j as the reference does over its UTF-8 bytes',
    (input) => {
      for (const seed of [0, 1, 0x9747b28c, 0xffffffff]) {
        expect(murmur3(input, seed)).toBe(referenceMurmur3(utf8(input), seed))
      }
    },
  )

  it('agrees with the reference implementation on arbitrary strings and seeds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.nat(), (s, seed) => {
        expect(murmur3(s, seed)).toBe(referenceMurmur3(utf8(s), seed))
      }),
      { numRuns: 500 },
    )
  })

  it('returns an unsigned 32-bit integer and defaults the seed to 0', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = murmur3(s)
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true)
        expect(h).toBe(murmur3(s, 0))
      }),
    )
  })
})

describe('shardOf', () => {
  it('is murmur3 of the item id modulo the shard count, always in range', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 4096 }), (id, shards) => {
        const s = shardOf(id, shards)
        expect(s).toBe(referenceMurmur3(utf8(id), 0) % shards)
        expect(s >= 0 && s < shards).toBe(true)
      }),
    )
  })

  it('spreads item ids over every shard', () => {
    const counts = new Array<number>(16).fill(0)
    for (let i = 0; i < 16_000; i++) counts[shardOf(`item-${i}`, 16)]!++
    for (const c of counts) expect(c).toBeGreaterThan(800)
  })
})
