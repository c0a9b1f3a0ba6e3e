import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeIndexBundle, dot, row } from '@recsys/shared'
import hnswlib from 'hnswlib-node'
import { describe, expect, it } from 'vitest'
import { checkModel } from '../model/probe'
import type { Dataset } from './dataset'
import { randomIndexingEmbeddings } from './embeddings'
import { buildIndexBundle } from './hnsw-index'
import { priorEdgeModel, priorRanker } from './prior-models'
import { syntheticDataset } from './synthetic'

const START = Date.UTC(2026, 0, 1)

describe('random-indexing embeddings', () => {
  it('points items with the same audience the same way and items with disjoint audiences apart', () => {
    const users = Array.from({ length: 40 }, (_, i) => ({ user_id: `u${i}`, cluster: i % 2 }))
    const item = (id: string) => ({
      item_id: id,
      title: id,
      categories: ['c'],
      published_at: START,
      available: true,
      min_age: 0,
      safe: true,
      sponsored: false,
    })
    // a and b are watched by the even users, c by the odd ones.
    const data: Dataset = {
      items: ['a', 'b', 'c'].map(item),
      users,
      interactions: users.flatMap((u, i) =>
        (i % 2 === 0 ? ['a', 'b'] : ['c']).map((it) => ({
          user_id: u.user_id,
          item_id: it,
          ts: START,
          weight: 1,
        })),
      ),
    }
    const e = randomIndexingEmbeddings(data, 32, 7)
    const v = (i: number) => row(e.itemVectors, 32, i)
    expect(dot(v(0), v(1))).toBeCloseTo(1, 5)
    expect(Math.abs(dot(v(0), v(2)))).toBeLessThan(0.5)
    for (let i = 0; i < 3; i++) expect(dot(v(i), v(i))).toBeCloseTo(1, 5)
    // A user is closest to what they watched.
    const u0 = row(e.userVectors, 32, 0)
    expect(dot(u0, v(0))).toBeGreaterThan(dot(u0, v(2)))
  })
})

describe('the index artifact', () => {
  const data = syntheticDataset({ seed: 3, start: START, items: 600, users: 200 })

  it('is deterministic and its HNSW finds the exact top 10 (recall@10 ≥ 0.95 over 100 queries)', async () => {
    const emb = randomIndexingEmbeddings(data, 32, 3)
    const a = await buildIndexBundle(emb)
    const b = await buildIndexBundle(randomIndexingEmbeddings(data, 32, 3))
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true)
    expect(a.metadata).toEqual({ space: 'ip', dims: 32, count: 600 })

    const bundle = decodeIndexBundle(a.bytes)
    expect(bundle.header.items).toEqual(emb.items)
    expect(bundle.header.users).toEqual(emb.users)
    const dir = await mkdtemp(path.join(tmpdir(), 'idx-test-'))
    try {
      const file = path.join(dir, 'h.bin')
      await writeFile(file, bundle.hnsw)
      const index = new hnswlib.HierarchicalNSW('ip', 32)
      await index.readIndex(file)
      index.setEf(64)
      let hits = 0
      const queries = 100
      for (let q = 0; q < queries; q++) {
        const query = row(bundle.userVectors, 32, q % emb.users.length)
        const exact = emb.items
          .map((_, i) => ({ i, s: dot(query, row(bundle.itemVectors, 32, i)) }))
          .sort((x, y) => y.s - x.s)
          .slice(0, 10)
          .map((x) => x.i)
        const found = new Set(index.searchKnn(Array.from(query), 10).neighbors)
        hits += exact.filter((i) => found.has(i)).length
      }
      expect(hits / (queries * 10)).toBeGreaterThanOrEqual(0.95)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('prior models', () => {
  it('pass the model gate (load in onnxruntime-node, match their feature schema, no NaN on the probe)', async () => {
    for (const m of [priorRanker(), priorEdgeModel()]) {
      const r = await checkModel(m.onnx, m.metadata)
      expect(r.ok).toBe(true)
    }
  })

  it('are the same bytes every run (same artifact version)', () => {
    expect(Buffer.from(priorRanker().onnx).equals(Buffer.from(priorRanker().onnx))).toBe(true)
  })
})
