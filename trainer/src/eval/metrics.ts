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
