import { randomUUID } from 'node:crypto'
import { unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { decodeIndexBundle, row } from '@recsys/shared'
import hnswlib from 'hnswlib-node'

/** Default HNSW search breadth; a search for more neighbours than this widens it to k. */
const DEFAULT_EF = 64

/** An `index` artifact in memory: HNSW over the item vectors (label i = item i) and the user vectors. */
export interface AnnIndex {
  readonly dims: number
  readonly space: 'l2' | 'ip' | 'cosine'
  readonly size: number
  /** The item's row of the index (a view shared by every caller: read-only). */
  itemVector(itemId: string): Float32Array | undefined
  /** The user's embedding: `users` holds bare user ids; a `u.<id>` subject maps to `<id>`. */
  userVector(subject: string): Float32Array | undefined
  /** Up to k nearest items, nearest first; undefined when the bundle carries no HNSW graph. */
  search(query: Float32Array, k: number): Array<{ item_id: string; distance: number }> | undefined
}

/** Decodes an index bundle and loads its HNSW part with hnswlib-node (through a temp file, its only input). */
export async function loadAnnIndex(bytes: Uint8Array): Promise<AnnIndex> {
  const b = decodeIndexBundle(bytes)
  const { dims, space, items, users } = b.header
  const itemRow = new Map(items.map((id, i) => [id, i]))
  const userRow = new Map(users.map((id, i) => [id, i]))
  let hnsw: hnswlib.HierarchicalNSW | undefined
  if (b.hnsw.length > 0) {
    const file = path.join(os.tmpdir(), `recsys-scorer-${randomUUID()}.hnsw`)
    try {
      await writeFile(file, b.hnsw)
      hnsw = new hnswlib.HierarchicalNSW(space, dims)
      await hnsw.readIndex(file)
    } finally {
      await unlink(file).catch(() => undefined)
    }
    if (hnsw.getCurrentCount() !== items.length)
      throw new Error(
        `HNSW holds ${hnsw.getCurrentCount()} items; the bundle lists ${items.length}`,
      )
    hnsw.setEf(DEFAULT_EF)
  }
  // One view per item row, made on first use and shared by every request (a view costs an allocation).
  const itemViews: Array<Float32Array | undefined> = new Array(items.length)
  return {
    dims,
    space,
    size: items.length,
    itemVector: (id) => {
      const i = itemRow.get(id)
      if (i === undefined) return undefined
      return (itemViews[i] ??= row(b.itemVectors, dims, i))
    },
    userVector: (subject) => {
      const id = subject.startsWith('u.') ? subject.slice(2) : undefined
      const i = id === undefined ? undefined : (userRow.get(id) ?? userRow.get(subject))
      return i === undefined ? undefined : row(b.userVectors, dims, i)
    },
    search: (query, k) => {
      if (!hnsw) return undefined
      const n = Math.min(k, items.length)
      if (n <= 0) return []
      hnsw.setEf(Math.max(DEFAULT_EF, n))
      const r = hnsw.searchKnn(Array.from(query), n)
      return r.neighbors.map((label, j) => ({ item_id: items[label]!, distance: r.distances[j]! }))
    },
  }
}
