import type { Interaction } from './dataset'
import { byScore, type Scored } from './popularity'

/** Item-to-item co-occurrence over user histories. */
export interface CoOccurrence {
  /** a → b → number of users whose history holds both (symmetric, never a → a). */
  pairs: Map<string, Map<string, number>>
  /** item → number of users whose history holds it. */
  users: Map<string, number>
}

/** Each user's distinct items, most recently touched first (ties by item id). */
export function histories(interactions: Iterable<Interaction>): Map<string, string[]> {
  const last = new Map<string, Map<string, number>>()
  for (const x of interactions) {
    const mine = last.get(x.user_id) ?? new Map<string, number>()
    last.set(x.user_id, mine)
    mine.set(x.item_id, Math.max(mine.get(x.item_id) ?? -Infinity, x.ts))
  }
  const out = new Map<string, string[]>()
  for (const [user, items] of last)
    out.set(
      user,
      [...items]
        .map(([item_id, score]) => ({ item_id, score }))
        .sort(byScore)
        .map((s) => s.item_id),
    )
  return out
}

/**
 * Counts, for every pair of items, the users who interacted with both.
 * @note Only the `maxHistory` most recent items of a user count, which bounds the work per user (pairs grow with
 * the square of a history) and keeps very active users from dominating.
 */
export function coOccurrence(
  history: Map<string, readonly string[]>,
  { maxHistory = 50 }: { maxHistory?: number } = {},
): CoOccurrence {
  const pairs = new Map<string, Map<string, number>>()
  const users = new Map<string, number>()
  const row = (a: string) => {
    let m = pairs.get(a)
    if (!m) pairs.set(a, (m = new Map()))
    return m
  }
  for (const items of history.values()) {
    const h = items.slice(0, maxHistory)
    for (const a of h) users.set(a, (users.get(a) ?? 0) + 1)
    for (let i = 0; i < h.length; i++)
      for (let j = i + 1; j < h.length; j++) {
        const a = row(h[i]!)
        const b = row(h[j]!)
        a.set(h[j]!, (a.get(h[j]!) ?? 0) + 1)
        b.set(h[i]!, (b.get(h[i]!) ?? 0) + 1)
      }
  }
  return { pairs, users }
}

/**
 * The `k` nearest neighbours of every item that `keep` accepts as a neighbour, by cosine similarity of their user
 * sets: `count(a, b) / sqrt(users(a) × users(b))`, so the popular head does not fill every list.
 * @note Items with no accepted neighbour have no entry.
 */
export function neighbors(
  co: CoOccurrence,
  { k, keep = () => true }: { k: number; keep?: (item: string) => boolean },
): Map<string, Scored[]> {
  const out = new Map<string, Scored[]>()
  for (const [a, row] of co.pairs) {
    const na = co.users.get(a)!
    const list: Scored[] = []
    for (const [b, count] of row)
      if (keep(b)) list.push({ item_id: b, score: count / Math.sqrt(na * co.users.get(b)!) })
    if (list.length) out.set(a, list.sort(byScore).slice(0, k))
  }
  return out
}
