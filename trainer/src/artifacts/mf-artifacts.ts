import hnswlib from 'hnswlib-node'
import type { AlsModel } from '../recommenders/als'
import type { Embeddings } from './embeddings'
import { byScore, type Scored } from '../recommenders/popularity'

/**
 * The serving side of matrix factorisation: the index's embeddings and the precomputed user slates, both from one
 * trained {@link AlsModel}, so the scorer's `user_item_dot` and the slates' scores are the same number (xᵤ·yᵢ).
 */

/**
 * Embeddings for the index: one row per catalog item (its item factor; a zero row for an item nobody touched, which
 * the ANN never returns first) and one per user the model knows, as float32.
 */
export function mfEmbeddings(model: AlsModel, catalog: readonly string[]): Embeddings {
  const f = model.factors
  const itemVectors = new Float32Array(catalog.length * f)
  catalog.forEach((id, row) => {
    const i = model.itemIndex.get(id)
    if (i !== undefined) itemVectors.set(model.itemFactors.subarray(i * f, (i + 1) * f), row * f)
  })
  return {
    dims: f,
    items: [...catalog],
    itemVectors,
    users: [...model.users],
    userVectors: Float32Array.from(model.userFactors),
  }
}

export interface UserSlateOptions {
  /** Entries per user. */
  k: number
  /** Items a slate may hold (available, not tombstoned). */
  keep: (item: string) => boolean
  /** What each user already consumed: never recommended back. */
  consumed: ReadonlyMap<string, ReadonlySet<string>>
  /**
   * Above this many multiply-adds (users × items × factors) the slates come from an HNSW search instead of an exact
   * scan (`ef` = 2k, at least 200): the exact scan of 200k users × 50k items would take minutes.
   */
  exactBudget?: number
}

/**
 * The top `k` items of every user by xᵤ·yᵢ among the items `keep` allows and the user has not consumed, best first
 * (ties by item id).
 */
export function mfUserSlates(
  model: AlsModel,
  { k, keep, consumed, exactBudget = 2e9 }: UserSlateOptions,
  progress: (done: number, total: number) => void = () => undefined,
): Map<string, Scored[]> {
  const f = model.factors
  const candidates = model.items.flatMap((id, i) => (keep(id) ? [i] : []))
  const out = new Map<string, Scored[]>()
  const every = Math.max(1, Math.floor(model.users.length / 10))
  const exact = model.users.length * candidates.length * f <= exactBudget
  let search: ((u: number, n: number) => number[]) | undefined
  if (!exact) {
    const index = new hnswlib.HierarchicalNSW('ip', f)
    index.initIndex({
      maxElements: Math.max(1, candidates.length),
      m: 16,
      efConstruction: 100,
      randomSeed: 7,
    })
    candidates.forEach((i, label) =>
      index.addPoint(Array.from(model.itemFactors.subarray(i * f, (i + 1) * f)), label),
    )
    search = (u, n) => {
      index.setEf(Math.max(200, 2 * n))
      const q = Array.from(model.userFactors.subarray(u * f, (u + 1) * f))
      return index.searchKnn(q, Math.min(n, candidates.length)).neighbors.map((l) => candidates[l]!)
    }
  }
  model.users.forEach((user, u) => {
    const seen = consumed.get(user) ?? new Set<string>()
    const pool = search ? search(u, k + seen.size) : candidates
    const scored: Scored[] = []
    for (const i of pool) {
      const item_id = model.items[i]!
      if (seen.has(item_id)) continue
      let s = 0
      for (let d = 0; d < f; d++) s += model.userFactors[u * f + d]! * model.itemFactors[i * f + d]!
      scored.push({ item_id, score: s })
    }
    out.set(user, topOf(scored, k))
    if ((u + 1) % every === 0) progress(u + 1, model.users.length)
  })
  return out
}

/** The best `k` (quickselect-free: a partial sort is plenty for k ≤ 1000). */
function topOf(scored: Scored[], k: number): Scored[] {
  if (scored.length <= k) return scored.sort(byScore)
  let cut = -Infinity
  const kept: Scored[] = []
  for (const s of scored) {
    if (s.score < cut) continue
    kept.push(s)
    if (kept.length >= 4 * k) {
      kept.sort(byScore).length = k
      cut = kept[k - 1]!.score
    }
  }
  return kept.sort(byScore).slice(0, k)
}
