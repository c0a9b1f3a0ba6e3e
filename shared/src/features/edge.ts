import { historyIndex, itemAge } from './ranker'

/**
 * Features of the `edge_model` (tier `edge_rescored`): what workerd knows without the scorer — the user's cached
 * slate, the catalog flags and the session/recent items of user state. Column order; the batch pipeline trains
 * the edge model on the same code.
 */
export const EDGE_FEATURES = [
  /** The cached slate's score scaled by the slate's top score (0 when the slate has no scores). */
  'cached_score',
  /** 1 / (1 + rank in the cached slate). */
  'rank_reciprocal',
  /** Share of session/recent items that share a category with this item. */
  'category_affinity',
  /** As the ranker's `item_age`. */
  'item_age',
] as const
export const EDGE_FEATURE_COUNT = EDGE_FEATURES.length

export interface EdgeCandidate {
  score?: number
  categories: readonly string[]
  published_at?: number
}

/** Feature rows (row-major `[candidates × EDGE_FEATURE_COUNT]`) of a cached slate, in slate order. */
export function edgeFeatures(
  slate: readonly EdgeCandidate[],
  historyCategories: ReadonlyArray<readonly string[]>,
  now: number,
): Float32Array {
  const F = EDGE_FEATURE_COUNT
  const out = new Float32Array(slate.length * F)
  const top = Math.max(0, ...slate.map((c) => c.score ?? 0))
  const affinity = historyIndex(historyCategories)
  slate.forEach((c, r) => {
    const o = r * F
    out[o + 0] = top > 0 ? Math.max(0, (c.score ?? 0) / top) : 0
    out[o + 1] = 1 / (1 + r)
    out[o + 2] = affinity.affinity(c.categories)
    out[o + 3] = itemAge(c.published_at, now)
  })
  return out
}
