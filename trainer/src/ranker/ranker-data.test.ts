import { dot, RANKER_FEATURE_COUNT, RANKER_FEATURES } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import type { Interaction } from '../data/dataset'
import { rankerArtifacts } from '../artifacts/ranker-artifacts'
import {
  historySplit,
  labelSets,
  nearestScored,
  rankerExamples,
  requestOf,
  userCandidates,
} from './ranker-data'
import { leaveLastN, temporalSplit } from '../data/split'
import { syntheticDataset } from '../data/synthetic'

const data = syntheticDataset({ seed: 3, start: Date.UTC(2026, 0, 1), items: 300, users: 120 })
const inner = leaveLastN(data.interactions, { n: 3 })
const a = rankerArtifacts(data.items, inner.train, { als: { factors: 8, iterations: 4 } })
const col = (name: (typeof RANKER_FEATURES)[number]) => RANKER_FEATURES.indexOf(name)
const F = RANKER_FEATURE_COUNT

describe('rankerArtifacts', () => {
  it('knows only the interactions it is built from (point in time)', () => {
    const x: Interaction[] = [
      { user_id: 'u', item_id: 'item-1', ts: 10, weight: 1 },
      { user_id: 'u', item_id: 'item-2', ts: 20, weight: 1 },
      { user_id: 'v', item_id: 'item-1', ts: 30, weight: 1 },
      { user_id: 'v', item_id: 'item-2', ts: 40, weight: 1 },
    ]
    const later: Interaction[] = [
      { user_id: 'u', item_id: 'item-3', ts: 50, weight: 1 },
      // Seen in history: not a label item; nor is an item outside the catalog, nor a user without history.
      { user_id: 'v', item_id: 'item-2', ts: 60, weight: 1 },
      { user_id: 'v', item_id: 'not-in-catalog', ts: 60, weight: 1 },
      { user_id: 'w', item_id: 'item-3', ts: 60, weight: 1 },
    ]
    const h = rankerArtifacts(data.items, x, { als: { factors: 2, iterations: 2 } })
    expect(h.now).toBe(40)
    expect(h.itemVectors.has('item-3')).toBe(false)
    expect([...h.neighbors.keys()].sort()).toEqual(['item-1', 'item-2'])
    expect(h.popular.map((s) => s.item_id)).not.toContain('item-3')
    expect(h.timelines.get('u')!.map((t) => t.item_id)).toEqual(['item-2', 'item-1'])
    expect(labelSets(h, later)).toEqual(new Map([['u', new Set(['item-3'])]]))
  })
})

describe('userCandidates', () => {
  const user = [...a.timelines.keys()].sort()[0]!
  const { items, features } = userCandidates(a, user, { candidates: 100 })
  const row = (id: string) => features.subarray(items.indexOf(id) * F, (items.indexOf(id) + 1) * F)
  const req = requestOf(a, user)

  it('retrieves unseen items only, each once, with a feature row each', () => {
    expect(items.length).toBeGreaterThan(50)
    expect(new Set(items).size).toBe(items.length)
    for (const id of items) expect(req.seen.has(id)).toBe(false)
    expect(features.length).toBe(items.length * F)
  })

  it('marks each source as the scorer does, within its quota', () => {
    const ann = nearestScored(a, a.userVectors.get(user)!, req.seen, 50).map((s) => s.item_id)
    const trending = a.trending.map((s) => s.item_id).filter((id) => !req.seen.has(id))
    // The scorer's item-to-item order (gpu-scorer item2item-source): best similarity, then hits, then first seen.
    const i2i = [...req.i2i]
      .filter(([id]) => !req.seen.has(id))
      .sort((x, y) => y[1].max - x[1].max || y[1].hits - x[1].hits)
      .slice(0, 30)
      .map(([id]) => id)
    for (const id of items) {
      expect(row(id)[col('from_ann')]).toBe(ann.includes(id) ? 1 : 0)
      expect(row(id)[col('from_trending')]).toBe(trending.slice(0, 10).includes(id) ? 1 : 0)
      expect(row(id)[col('from_item2item')]).toBe(i2i.includes(id) ? 1 : 0)
    }
    const count = (name: (typeof RANKER_FEATURES)[number]) =>
      items.filter((id) => row(id)[col(name)] === 1).length
    expect(count('from_ann')).toBe(50)
    expect(count('from_item2item')).toBe(Math.min(30, i2i.length))
    expect(count('from_editorial')).toBeLessThanOrEqual(10)
  })

  it('fills the features from the artifacts: ALS dot, neighbours, list positions', () => {
    for (const id of items) {
      const r = row(id)
      expect(r[col('user_item_dot')]).toBe(
        Math.fround(dot(a.userVectors.get(user)!, a.itemVectors.get(id)!)),
      )
      expect(r[col('has_user_vector')]).toBe(1)
      const e = req.i2i.get(id)
      expect(r[col('i2i_max')]).toBe(Math.fround(e?.max ?? 0))
      expect(r[col('i2i_hits')]).toBe(Math.fround(Math.log1p(e?.hits ?? 0)))
      const rank = a.popular.findIndex((s) => s.item_id === id)
      expect(r[col('popularity')]).toBe(rank < 0 ? 0 : Math.fround(1 - rank / a.popular.length))
    }
    // Neighbour evidence is the best similarity over the request's history items.
    const [id, e] = [...req.i2i][0]!
    const best = Math.max(
      ...[...new Set([...req.session, ...req.recent])].flatMap((h) =>
        (a.neighbors.get(h) ?? []).filter((n) => n.item_id === id).map((n) => n.score),
      ),
    )
    expect(e.max).toBe(best)
  })
})

describe('rankerExamples', () => {
  it('labels the candidates that are label items, keeps every positive and samples negatives', () => {
    const labels = labelSets(a, inner.test)
    const ex = rankerExamples(a, inner.test, { candidates: 100, negatives: 15, seed: 1 })
    expect(ex.users).toEqual([...labels.keys()].sort())
    let positives = 0
    ex.users.forEach((u) => {
      const { items } = userCandidates(a, u, { candidates: 100 })
      positives += items.filter((id) => labels.get(u)!.has(id)).length
    })
    expect(ex.stats.positives).toBe(positives)
    expect(ex.stats.label_items).toBe([...labels.values()].reduce((n, s) => n + s.size, 0))
    const perUser = new Map<number, number>()
    for (let r = 0; r < ex.rows; r++)
      if (ex.labels[r] === 0) perUser.set(ex.groups[r]!, (perUser.get(ex.groups[r]!) ?? 0) + 1)
    for (const n of perUser.values()) expect(n).toBeLessThanOrEqual(15)
    expect(ex.stats.negatives).toBe(ex.rows - positives)
    expect(ex.features.length).toBe(ex.rows * F)
    const again = rankerExamples(a, inner.test, { candidates: 100, negatives: 15, seed: 1 })
    const other = rankerExamples(a, inner.test, { candidates: 100, negatives: 15, seed: 2 })
    expect(again.features).toEqual(ex.features)
    expect(other.features).not.toEqual(ex.features)
  })

  it('trains on an even sample of the users when there are more than maxUsers', () => {
    const all = [...labelSets(a, inner.test).keys()].sort()
    const ex = rankerExamples(a, inner.test, { candidates: 100, negatives: 15, maxUsers: 25 })
    const stride = Math.ceil(all.length / 25)
    expect(ex.users).toEqual(all.filter((_, i) => i % stride === 0))
    expect(ex.users.length).toBeLessThanOrEqual(25)
    expect(new Set(Array.from(ex.groups)).size).toBeLessThanOrEqual(ex.users.length)
  })
})

describe('historySplit', () => {
  it('mirrors the evaluation split: leave-last-n per user, or a global cut with the same share', () => {
    const perUser = leaveLastN(data.interactions, { n: 2 })
    const h = historySplit(perUser.train, perUser)
    expect(h).toEqual(leaveLastN(perUser.train, { n: 2 }))
    const global = temporalSplit(data.interactions, { holdout: 0.2 })
    const g = historySplit(global.train, global)
    expect(g.cutoff).toBeDefined()
    expect(g.test.length / global.train.length).toBeCloseTo(0.2, 1)
  })
})
