/**
 * MurmurHash3 (x86, 32-bit) over the UTF-8 bytes of a string.
 * @note Pure integer arithmetic: the same value in workerd, Node and the batch pipeline.
 */
export function murmur3(input: string, seed = 0): number {
  return murmur3Bytes(utf8(input), seed)
}

// Scratch buffer for ASCII input: the hot path (item ids) hashes without allocating.
let scratch = new Uint8Array(256)
const encoder = new TextEncoder()

/** UTF-8 bytes of `s`; ASCII strings are copied into a reused buffer (valid until the next call). */
function utf8(s: string): Uint8Array {
  const n = s.length
  if (n > scratch.length) scratch = new Uint8Array(n * 2)
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return encoder.encode(s)
    scratch[i] = c
  }
  return scratch.subarray(0, n)
}

function murmur3Bytes(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  let h = seed >>> 0
  const tail = bytes.length & ~3
  for (let i = 0; i < tail; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  let k = 0
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[tail + 2]! << 16
    // falls through
    case 2:
      k ^= bytes[tail + 1]! << 8
    // falls through
    case 1:
      k ^= bytes[tail]!
      k = Math.imul(k, c1)
      k = (k << 15) | (k >>> 17)
      k = Math.imul(k, c2)
      h ^= k
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Stable shard of an item id among `shards` catalog shards. */
export const shardOf = (itemId: string, shards: number): number => murmur3(itemId) % shards
