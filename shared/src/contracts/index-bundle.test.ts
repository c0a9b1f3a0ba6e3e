import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeIndexBundle, encodeIndexBundle, INDEX_MAGIC, row } from './index-bundle'

const sample = () => ({
  space: 'ip' as const,
  dims: 3,
  items: ['a', 'b'],
  itemVectors: Float32Array.from([1, 2, 3, 4, 5, 6]),
  users: ['u1'],
  userVectors: Float32Array.from([0.5, -0.25, 1e-3]),
  hnsw: Uint8Array.from([9, 8, 7, 6, 5]),
})

describe('index bundle', () => {
  it('round-trips vectors, ids and the HNSW bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 20 }),
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 20 }),
        fc.uint8Array({ maxLength: 64 }),
        (dims, items, users, hnsw) => {
          const vec = (n: number) =>
            Float32Array.from({ length: n * dims }, (_, i) => Math.fround(Math.sin(i + n) * 10))
          const itemVectors = vec(items.length)
          const userVectors = vec(users.length)
          const bytes = encodeIndexBundle({
            space: 'cosine',
            dims,
            items,
            itemVectors,
            users,
            userVectors,
            hnsw,
          })
          const back = decodeIndexBundle(bytes)
          expect(back.header.items).toEqual(items)
          expect(back.header.users).toEqual(users)
          expect(back.itemVectors).toEqual(itemVectors)
          expect(back.userVectors).toEqual(userVectors)
          expect([...back.hnsw]).toEqual([...hnsw])
        },
      ),
    )
  })

  it('decodes from an unaligned offset (a Buffer slice of a larger file)', () => {
    const bytes = encodeIndexBundle(sample())
    const shifted = new Uint8Array(bytes.length + 1)
    shifted.set(bytes, 1)
    const b = decodeIndexBundle(shifted.subarray(1))
    expect([...row(b.itemVectors, 3, 1)]).toEqual([4, 5, 6])
  })

  it('rejects a wrong magic, a truncated file, trailing bytes, duplicates and non-finite values', () => {
    const good = encodeIndexBundle(sample())
    const bad = good.slice()
    bad[0] = 0
    expect(() => decodeIndexBundle(bad)).toThrow(INDEX_MAGIC)
    expect(() => decodeIndexBundle(good.subarray(0, good.length - 1))).toThrow(/header describes/)
    const longer = new Uint8Array(good.length + 4)
    longer.set(good)
    expect(() => decodeIndexBundle(longer)).toThrow(/header describes/)
    expect(() => decodeIndexBundle(encodeIndexBundle({ ...sample(), items: ['a', 'a'] }))).toThrow(
      /twice/,
    )
    const nan = encodeIndexBundle({ ...sample(), userVectors: Float32Array.from([NaN, 0, 0]) })
    expect(() => decodeIndexBundle(nan)).toThrow(/non-finite/)
    expect(() => encodeIndexBundle({ ...sample(), itemVectors: new Float32Array(5) })).toThrow(
      /item vectors/,
    )
  })
})
