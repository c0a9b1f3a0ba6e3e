/**
 * Offline ranking metrics with binary relevance. `ranked` is a model's list for one user, best first (it may be
 * shorter than K); `relevant` is the user's held-out items. Users with no relevant item are not scored (callers skip
 * them), so every function here assumes `relevant.size > 0`.
 */

/** Hits in the top K over all relevant items (not over min(K, |relevant|)). */
export function recallAt(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  let hits = 0
  for (const item of ranked.slice(0, k)) if (relevant.has(item)) hits++
  return hits / relevant.size
}

/** DCG of the top K (gain 1 / log2(rank + 1), rank from 1) over the ideal DCG of min(K, |relevant|) hits. */
export function ndcgAt(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  let dcg = 0
  ranked.slice(0, k).forEach((item, i) => {
    if (relevant.has(item)) dcg += 1 / Math.log2(i + 2)
  })
  let ideal = 0
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2)
  return dcg / ideal
}

/** Average precision at K: the mean of precision@rank at each hit, over min(K, |relevant|). */
export function apAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0
  let sum = 0
  ranked.slice(0, k).forEach((item, i) => {
    if (relevant.has(item)) sum += ++hits / (i + 1)
  })
  return sum / Math.min(k, relevant.size)
}

/** Share of the catalog that appears in at least one user's top K. */
export function catalogCoverage(
  lists: Iterable<readonly string[]>,
  catalogSize: number,
  k: number,
): number {
  const seen = new Set<string>()
  for (const list of lists) for (const item of list.slice(0, k)) seen.add(item)
  return catalogSize === 0 ? 0 : seen.size / catalogSize
}

/** Hits in the top K over K: a list shorter than K counts its missing slots as misses. */
export function precisionAt(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  let hits = 0
  for (const item of ranked.slice(0, k)) if (relevant.has(item)) hits++
  return hits / k
}

/** Jaccard similarity of two category lists; two items without categories count as alike (1). */
export function categoryJaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1
  const mine = new Set(a)
  let both = 0
  const union = new Set(a)
  for (const c of b) {
    if (mine.has(c)) both++
    union.add(c)
  }
  return both / union.size
}

/**
 * Intra-list diversity of the top K: the mean of 1 − similarity over its distinct pairs (Ziegler et al. 2005), the
 * similarity being the Jaccard of the two items' categories. 0 for a list of fewer than two items.
 * @note Items absent from `categories` have none, so a catalog without categories scores 0: no diversity is
 * claimed where none can be seen.
 */
export function intraListDiversity(
  ranked: readonly string[],
  categories: ReadonlyMap<string, readonly string[]>,
  k: number,
): number {
  const top = ranked.slice(0, k).map((id) => categories.get(id) ?? [])
  let sum = 0
  let pairs = 0
  for (let i = 0; i < top.length; i++)
    for (let j = i + 1; j < top.length; j++) {
      sum += 1 - categoryJaccard(top[i]!, top[j]!)
      pairs++
    }
  return pairs === 0 ? 0 : sum / pairs
}

/**
 * Novelty of the top K: the mean self-information −log2(p) of its items, p the share of train users who touched the
 * item (Zhou et al. 2010). An item no train user touched counts as touched by one, so the figure stays finite.
 * 0 for an empty list.
 */
export function noveltyAt(
  ranked: readonly string[],
  trainUsersOf: ReadonlyMap<string, number>,
  trainUsers: number,
  k: number,
): number {
  const top = ranked.slice(0, k)
  if (top.length === 0 || trainUsers === 0) return 0
  let sum = 0
  for (const id of top) sum -= Math.log2(Math.max(1, trainUsersOf.get(id) ?? 0) / trainUsers)
  return sum / top.length
}
