import { DAY_MS, type Interaction } from '../data/dataset'
import { byScore, type Scored } from './popularity'

/** Item-to-item co-occurrence over user histories. */
export interface CoOccurrence {
  /** a → b → number of users whose history holds both, time-decayed when asked (symmetric, never a → a). */
  pairs: Map<string, Map<string, number>>
  /** item → number of users whose history holds it. */
  users: Map<string, number>
}

/** user → item → the last time the user touched the item (ms). */
export type LastTouched = Map<string, Map<string, number>>

/** When each user last touched each of their items. */
export function lastTouched(interactions: Iterable<Interaction>): LastTouched {
  const last: LastTouched = new Map()
  for (const x of interactions) {
    const mine = last.get(x.user_id) ?? new Map<string, number>()
    last.set(x.user_id, mine)
    mine.set(x.item_id, Math.max(mine.get(x.item_id) ?? -Infinity, x.ts))
  }
  return last
}

/** Each user's distinct items, most recently touched first (ties by item id). */
export function histories(
  interactions: Iterable<Interaction> | LastTouched,
): Map<string, string[]> {
  const last = interactions instanceof Map ? interactions : lastTouched(interactions)
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

/** Half-life of the time decay of a co-occurrence: the gap between the two interactions, in days. */
export const CO_OCCURRENCE_HALF_LIFE_DAYS = 30

/**
 * Counts, for every pair of items, the users who interacted with both. With `at` (when each user touched each
 * item), a user's pair counts `0.5 ^ (gap / halfLifeDays)` instead of 1, where `gap` is the time between the two
 * interactions: items taken up together say more about each other than items a year apart.
 * @note Only the `maxHistory` most recent items of a user count, which bounds the work per user (pairs grow with
 * the square of a history) and keeps very active users from dominating.
 */
export function coOccurrence(
  history: Map<string, readonly string[]>,
  {
    maxHistory = 50,
    at,
    halfLifeDays = CO_OCCURRENCE_HALF_LIFE_DAYS,
  }: { maxHistory?: number; at?: LastTouched; halfLifeDays?: number } = {},
): CoOccurrence {
  const lambda = Math.LN2 / (halfLifeDays * DAY_MS)
  const pairs = new Map<string, Map<string, number>>()
  const users = new Map<string, number>()
  const row = (a: string) => {
    let m = pairs.get(a)
    if (!m) pairs.set(a, (m = new Map()))
    return m
  }
  for (const [user, items] of history) {
    const h = items.slice(0, maxHistory)
    const when = at?.get(user)
    for (const a of h) users.set(a, (users.get(a) ?? 0) + 1)
    for (let i = 0; i < h.length; i++)
      for (let j = i + 1; j < h.length; j++) {
        const a = row(h[i]!)
        const b = row(h[j]!)
        const w = when ? Math.exp(-lambda * Math.abs(when.get(h[i]!)! - when.get(h[j]!)!)) : 1
        a.set(h[j]!, (a.get(h[j]!) ?? 0) + w)
        b.set(h[i]!, (b.get(h[i]!) ?? 0) + w)
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
