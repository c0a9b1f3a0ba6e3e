import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeIndexBundle, dot, row } from '@recsys/shared'
import hnswlib from 'hnswlib-node'
import { describe, expect, it } from 'vitest'
import { alsScores, trainAls } from '../recommenders/als'
import { buildIndexBundle, indexRecallAt10, MIN_INDEX_RECALL } from './hnsw-index'
import { mfEmbeddings, mfUserSlates } from './mf-artifacts'
import { syntheticDataset } from '../data/synthetic'

const START = Date.UTC(2026, 0, 1)

describe('MF embeddings and user slates', () => {
  const data = syntheticDataset({ seed: 5, start: START, items: 300, users: 120 })
  const model = trainAls(data.interactions, { factors: 16, iterations: 4, seed: 5 })
  const consumed = new Map<string, Set<string>>()
  for (const x of data.interactions)
    consumed.set(x.user_id, (consumed.get(x.user_id) ?? new Set()).add(x.item_id))

  it('gives every catalog item a row: its factor, or zeros for an item the model never saw', () => {
    const catalog = ['never-seen', ...model.items.slice(0, 5)]
    const e = mfEmbeddings(model, catalog)
    expect(e.items).toEqual(catalog)
    expect([...row(e.itemVectors, 16, 0)]).toEqual(new Array(16).fill(0))
    const i = model.itemIndex.get(catalog[3]!)!
    expect([...row(e.itemVectors, 16, 3)]).toEqual([
      ...Float32Array.from(model.itemFactors.subarray(i * 16, (i + 1) * 16)),
    ])
    expect(e.users).toEqual(model.users)
  })

  it('ranks by the MF score, leaves out consumed and unkept items, and the HNSW path agrees with the exact one', () => {
    const banned = new Set(model.items.filter((_, i) => i % 7 === 0))
    const keep = (id: string) => !banned.has(id)
    const exact = mfUserSlates(model, { k: 20, keep, consumed })
    const approx = mfUserSlates(model, { k: 20, keep, consumed, exactBudget: 0 })
    let overlap = 0
    for (const user of model.users.slice(0, 40)) {
      const list = exact.get(user)!
      const scores = alsScores(model, user)!
      const brute = model.items
        .map((item_id, i) => ({ item_id, score: scores[i]! }))
        .filter((s) => keep(s.item_id) && !consumed.get(user)!.has(s.item_id))
        .sort((x, y) => y.score - x.score || (x.item_id < y.item_id ? -1 : 1))
        .slice(0, 20)
      expect(list.map((s) => s.item_id)).toEqual(brute.map((s) => s.item_id))
      const a = new Set(approx.get(user)!.map((s) => s.item_id))
      for (const s of approx.get(user)!) {
        expect(keep(s.item_id)).toBe(true)
        expect(consumed.get(user)!.has(s.item_id)).toBe(false)
      }
      overlap += list.filter((s) => a.has(s.item_id)).length / 20
    }
    expect(overlap / 40).toBeGreaterThanOrEqual(0.95)
  })
})

describe('the index artifact', () => {
  const data = syntheticDataset({ seed: 3, start: START, items: 600, users: 200 })

  it('is deterministic and its HNSW finds the exact top 10 (recall@10 ≥ 0.95 over 100 queries)', async () => {
    const items = data.items.map((it) => it.item_id)
    const emb = mfEmbeddings(
      trainAls(data.interactions, { factors: 32, iterations: 4, seed: 3 }),
      items,
    )
    const a = await buildIndexBundle(emb)
    const b = await buildIndexBundle(
      mfEmbeddings(trainAls(data.interactions, { factors: 32, iterations: 4, seed: 3 }), items),
    )
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true)
    expect(a.metadata).toEqual({ space: 'ip', dims: 32, count: 600 })
    expect(a.recall_at_10).toBeGreaterThanOrEqual(MIN_INDEX_RECALL)

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

  it('the recall gate catches an index that does not find the exact neighbours', () => {
    const items = data.items.map((it) => it.item_id)
    const emb = mfEmbeddings(
      trainAls(data.interactions, { factors: 32, iterations: 4, seed: 3 }),
      items,
    )
    // Every item inserted under the next item's label: a well-built graph that answers with the wrong ids.
    const index = new hnswlib.HierarchicalNSW('ip', 32)
    index.initIndex({ maxElements: items.length, m: 16, efConstruction: 200, randomSeed: 1 })
    items.forEach((_, i) =>
      index.addPoint(Array.from(row(emb.itemVectors, 32, i)), (i + 1) % items.length),
    )
    expect(indexRecallAt10(index, emb)).toBeLessThan(MIN_INDEX_RECALL)
  })
})
