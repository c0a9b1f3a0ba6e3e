import type { Interaction } from '../data/dataset'
import { byScore, type Scored } from './popularity'
import { bestOf } from './top-k'

/**
 * Item-based k-nearest neighbours (Sarwar et al. 2001) on binary (user, item) pairs, with shrinkage: the similarity
 * of items i and j is `|Uᵢ ∩ Uⱼ| / (sqrt(|Uᵢ| · |Uⱼ|) + shrink)`, cosine pulled toward 0 where few users back it. A
 * user's score for an item is the sum of its similarities to the user's items, over each item's `k` nearest
 * neighbours only. Unlike the pipeline's item-to-item lists (co-occurrence.ts), nothing is time-decayed and every
 * item of a history votes.
 */

export interface ItemKnnOptions {
  /** Neighbours kept per item. */
  k?: number
  /** Shrinkage added to the cosine's denominator. */
  shrink?: number
}

/** k = 100, shrink = 10: the usual starting point (Dacrema et al. 2019 search from there); docs/models.md. */
export const ITEM_KNN_PARAMS = { k: 100, shrink: 10 } as const satisfies ItemKnnOptions

export interface ItemKnnModel {
  /** item → its nearest neighbours, best first (ties by id); items without co-occurrence have no entry. */
  neighbors: Map<string, Scored[]>
}

/**
 * Builds every item's neighbour list. Cost: Σ over users of |items|² (each item's co-counts are accumulated from the
 * users who touched it), memory O(items) besides the lists.
 */
export function trainItemKnn(
  train: Iterable<Pick<Interaction, 'user_id' | 'item_id'>>,
  { k = ITEM_KNN_PARAMS.k, shrink = ITEM_KNN_PARAMS.shrink }: ItemKnnOptions = {},
): ItemKnnModel {
  if (!(Number.isInteger(k) && k >= 1))
    throw new RangeError(`k must be a positive integer, got ${k}`)
  if (!(shrink >= 0)) throw new RangeError(`shrink must be ≥ 0, got ${shrink}`)
  const index = new Map<string, number>()
  const items: string[] = []
  const byUser = new Map<string, Set<number>>()
  for (const x of train) {
    let i = index.get(x.item_id)
    if (i === undefined) {
      i = items.length
      index.set(x.item_id, i)
      items.push(x.item_id)
    }
    const mine = byUser.get(x.user_id)
    if (mine) mine.add(i)
    else byUser.set(x.user_id, new Set([i]))
  }
  const n = items.length
  const usersOf: number[][] = Array.from({ length: n }, () => [])
  const lists: Int32Array[] = []
  for (const mine of byUser.values()) {
    const u = lists.length
    lists.push(Int32Array.from(mine))
    for (const i of mine) usersOf[i]!.push(u)
  }
  const count = new Float64Array(n)
  const neighbors = new Map<string, Scored[]>()
  const touched: number[] = []
  for (let i = 0; i < n; i++) {
    touched.length = 0
    for (const u of usersOf[i]!)
      for (const j of lists[u]!) {
        if (j === i) continue
        if (count[j] === 0) touched.push(j)
        count[j]! += 1
      }
    if (touched.length === 0) continue
    const ni = usersOf[i]!.length
    const ids: string[] = []
    const scores = new Float64Array(touched.length)
    touched.forEach((j, t) => {
      ids.push(items[j]!)
      scores[t] = count[j]! / (Math.sqrt(ni * usersOf[j]!.length) + shrink)
      count[j] = 0
    })
    neighbors.set(items[i]!, bestOf(ids, scores, k))
  }
  return { neighbors }
}

/** The summed similarities of the items near `history`, as scored items (the history's own items included). */
export function itemKnnScores(model: ItemKnnModel, history: Iterable<string>): Scored[] {
  const scores = new Map<string, number>()
  for (const item of history)
    for (const n of model.neighbors.get(item) ?? [])
      scores.set(n.item_id, (scores.get(n.item_id) ?? 0) + n.score)
  return [...scores].map(([item_id, score]) => ({ item_id, score })).sort(byScore)
}
