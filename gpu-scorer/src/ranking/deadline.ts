/** What to do about a request's deadline before it is queued for inference. */
export type DeadlinePlan =
  | { kind: 'full'; rows: number }
  | { kind: 'shrink'; rows: number; estimateMs: number }
  | { kind: 'shed'; estimateMs: number; minRows: number }

/**
 * Shrink first, reject last: keep all `rows` when the estimate fits `budgetMs`; else the most rows (at least
 * `minRows`) whose estimate fits; else shed. `estimate` must not decrease as rows grow.
 */
export function planDeadline(
  rows: number,
  minRows: number,
  budgetMs: number,
  estimate: (rows: number) => number,
): DeadlinePlan {
  if (rows === 0 || estimate(rows) <= budgetMs) return { kind: 'full', rows }
  const min = Math.max(1, Math.min(minRows, rows))
  const atMin = estimate(min)
  if (atMin > budgetMs) return { kind: 'shed', estimateMs: atMin, minRows: min }
  let lo = min // fits
  let hi = rows // does not fit
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1
    if (estimate(mid) <= budgetMs) lo = mid
    else hi = mid
  }
  return { kind: 'shrink', rows: lo, estimateMs: estimate(lo) }
}

/**
 * Cuts candidates (grouped by source) to `rows`, keeping each source's share and the best of each source, so a
 * shrunk request still has every source's provenance.
 */
export function shrinkCandidates<C extends { source: string }>(candidates: C[], rows: number): C[] {
  if (rows >= candidates.length) return candidates
  const counts = new Map<string, number>()
  for (const c of candidates) counts.set(c.source, (counts.get(c.source) ?? 0) + 1)
  const keep = new Map<string, number>()
  let total = 0
  for (const [s, n] of counts) {
    const k = Math.floor((n * rows) / candidates.length)
    keep.set(s, k)
    total += k
  }
  // Hand what flooring left to the sources in priority (first-seen) order.
  for (const [s, n] of counts) {
    if (total >= rows) break
    const k = keep.get(s)!
    const add = Math.min(n - k, rows - total)
    keep.set(s, k + add)
    total += add
  }
  const taken = new Map<string, number>()
  return candidates.filter((c) => {
    const t = taken.get(c.source) ?? 0
    if (t >= keep.get(c.source)!) return false
    taken.set(c.source, t + 1)
    return true
  })
}
