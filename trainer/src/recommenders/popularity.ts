import { DAY_MS, type Interaction } from '../data/dataset'

/** An item and its score, as the pipeline's ranked lists carry them before they become slate entries. */
export interface Scored {
  item_id: string
  score: number
}

/**
 * Time-decayed interaction counts: each interaction adds `weight × 2^(-age / half-life)`.
 * @note Interactions after `now` count as age 0 (clock skew in the log must not inflate them).
 */
export function decayedCounts(
  interactions: Iterable<Interaction>,
  { now, halfLifeDays }: { now: number; halfLifeDays: number },
): Map<string, number> {
  const out = new Map<string, number>()
  const scale = halfLifeDays * DAY_MS
  for (const x of interactions) {
    const age = Math.max(0, now - x.ts)
    out.set(x.item_id, (out.get(x.item_id) ?? 0) + x.weight * 2 ** (-age / scale))
  }
  return out
}

/** The `n` best-scored items that `keep` accepts, score descending, ties by item id (deterministic). */
export function topScored(
  scores: Map<string, number>,
  n: number,
  keep: (item: string) => boolean = () => true,
): Scored[] {
  const out: Scored[] = []
  for (const [item_id, score] of scores) if (keep(item_id)) out.push({ item_id, score })
  return out.sort(byScore).slice(0, n)
}

/** Score descending, then item id ascending (code-unit order, not locale order). */
export const byScore = (a: Scored, b: Scored): number =>
  b.score - a.score || (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)
