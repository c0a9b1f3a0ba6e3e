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

/**
 * The `index` artifact: an HNSW graph (hnswlib, inner product over unit vectors) over the item embeddings, with
 * the item and user embeddings, as one index bundle (shared `index-bundle.ts`). Items are inserted in order, one
 * thread, with a fixed seed, so the same embeddings give the same bytes.
 */
export async function buildIndexBundle(
  emb: Embeddings,
  params: HnswParams = DEFAULT_HNSW,
): Promise<{ bytes: Uint8Array; metadata: IndexMetadata }> {
  const index = new hnswlib.HierarchicalNSW('ip', emb.dims)
  index.initIndex({
    maxElements: Math.max(1, emb.items.length),
    m: params.m,
    efConstruction: params.efConstruction,
    randomSeed: params.seed,
  })
  for (let i = 0; i < emb.items.length; i++)
    index.addPoint(Array.from(emb.itemVectors.subarray(i * emb.dims, (i + 1) * emb.dims)), i)
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
    return { bytes, metadata: { space: 'ip', dims: emb.dims, count: emb.items.length } }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
