/**
 * Indices of the `k` highest scores, best first, ties by the lower index: the first `k` of the indices sorted by
 * (score descending, index ascending), without sorting them all. A min-heap of the k best so far; scores must not be
 * NaN (the guard floors them first).
 */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const n = scores.length
  k = Math.max(0, Math.min(k, n))
  if (k === 0) return []
  // `a` ranks below `b`: lower score, or the same score and a higher index.
  const below = (a: number, b: number) =>
    scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b)
  const heap = new Int32Array(k)
  let size = 0
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      if (l >= size) return
      const r = l + 1
      const m = r < size && below(heap[r]!, heap[l]!) ? r : l
      if (!below(heap[m]!, heap[i]!)) return
      const t = heap[i]!
      heap[i] = heap[m]!
      heap[m] = t
      i = m
    }
  }
  for (let i = 0; i < n; i++) {
    if (size < k) {
      let j = size++
      heap[j] = i
      while (j > 0) {
        const p = (j - 1) >> 1
        if (!below(heap[j]!, heap[p]!)) break
        const t = heap[j]!
        heap[j] = heap[p]!
        heap[p] = t
        j = p
      }
    } else if (below(heap[0]!, i)) {
      heap[0] = i
      down(0)
    }
  }
  return Array.from(heap).sort((a, b) => scores[b]! - scores[a]! || a - b)
}

/**
 * {@link topK} with a block that goes first: the best of the `pinned` indices by score, then the best of the others,
 * `k` in all (an item-anchored request serves the anchor's neighbours before its personalised fill).
 */
export function topKPinned(
  scores: ArrayLike<number>,
  k: number,
  pinned: (i: number) => boolean,
): number[] {
  const first: number[] = []
  const rest: number[] = []
  for (let i = 0; i < scores.length; i++) (pinned(i) ? first : rest).push(i)
  if (first.length === 0) return topK(scores, k)
  const best = (idx: number[], n: number) =>
    topK(
      idx.map((i) => scores[i]!),
      n,
    ).map((j) => idx[j]!)
  const head = best(first, k)
  return head.length >= k ? head : [...head, ...best(rest, k - head.length)]
}
