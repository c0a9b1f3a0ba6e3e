import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { encodeIndexBundle, type IndexMetadata } from '@recsys/shared'
import hnswlib from 'hnswlib-node'
import type { Embeddings } from './embeddings'

export interface HnswParams {
  m: number
  efConstruction: number
  seed: number
}

export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 200, seed: 100 }

/** The index gate: recall@10 of the HNSW search against exact search, at the scorer's default `ef`. */
export const MIN_INDEX_RECALL = 0.95
/** The scorer's default `ef` (gpu-scorer `ann-index.ts`): the gate measures what serving gets. */
const SERVING_EF = 64
const RECALL_QUERIES = 200

/**
 * recall@10 of `index` against an exact inner-product scan, over up to 200 queries sampled (evenly, so the same
 * embeddings give the same figure) from the user vectors, or from the item vectors when there are no users.
 */
export function indexRecallAt10(index: hnswlib.HierarchicalNSW, emb: Embeddings): number {
  const n = emb.items.length
  if (n === 0) return 1
  const k = Math.min(10, n)
  const fromUsers = emb.users.length > 0
  const pool = fromUsers ? emb.userVectors : emb.itemVectors
  const rows = pool.length / emb.dims
  const step = Math.max(1, Math.floor(rows / RECALL_QUERIES))
  index.setEf(Math.max(SERVING_EF, k))
  let hit = 0
  let total = 0
  const scores = new Float64Array(n)
  for (let r = 0; r < rows && total < RECALL_QUERIES * k; r += step) {
    const q = pool.subarray(r * emb.dims, (r + 1) * emb.dims)
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let d = 0; d < emb.dims; d++) s += q[d]! * emb.itemVectors[i * emb.dims + d]!
      scores[i] = s
    }
    const exact = Array.from(scores.keys())
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, k)
    // A tie at the k-th score may be broken either way: count a found item that scores as well as the k-th as a hit.
    const kth = scores[exact[k - 1]!]!
    const found = index.searchKnn(Array.from(q), k).neighbors
    hit += found.filter((i) => scores[i]! >= kth - 1e-6).length
    total += k
  }
  return total ? hit / total : 1
}

/**
 * The `index` artifact: an HNSW graph (hnswlib, inner product over unit vectors) over the item embeddings, with
 * the item and user embeddings, as one index bundle (shared `index-bundle.ts`). Items are inserted in order, one
 * thread, with a fixed seed, so the same embeddings give the same bytes.
 */
export async function buildIndexBundle(
  emb: Embeddings,
  params: HnswParams = DEFAULT_HNSW,
): Promise<{ bytes: Uint8Array; metadata: IndexMetadata; recall_at_10: number }> {
  const index = new hnswlib.HierarchicalNSW('ip', emb.dims)
  index.initIndex({
    maxElements: Math.max(1, emb.items.length),
    m: params.m,
    efConstruction: params.efConstruction,
    randomSeed: params.seed,
  })
  for (let i = 0; i < emb.items.length; i++)
    index.addPoint(Array.from(emb.itemVectors.subarray(i * emb.dims, (i + 1) * emb.dims)), i)
  const recall = indexRecallAt10(index, emb)
  const dir = await mkdtemp(path.join(tmpdir(), 'recsys-hnsw-'))
  try {
    const file = path.join(dir, 'index.bin')
    await index.writeIndex(file)
    const hnsw = new Uint8Array(await readFile(file))
    const bytes = encodeIndexBundle({
      space: 'ip',
      dims: emb.dims,
      items: emb.items,
      itemVectors: emb.itemVectors,
      users: emb.users,
      userVectors: emb.userVectors,
      hnsw,
      hnswParams: { m: params.m, ef_construction: params.efConstruction },
    })
    return {
      bytes,
      metadata: { space: 'ip', dims: emb.dims, count: emb.items.length },
      recall_at_10: recall,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
