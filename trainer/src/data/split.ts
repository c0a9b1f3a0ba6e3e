import type { Interaction } from './dataset'

/** Train and held-out interactions; each (user, item) pair appears once, in one side only. */
export interface Split {
  train: Interaction[]
  test: Interaction[]
  /** Global splits: the first held-out timestamp (ms); absent for per-user splits. */
  cutoff?: number
}

const byTime = (a: Interaction, b: Interaction): number =>
  a.ts - b.ts ||
  (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0) ||
  (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)

/**
 * One interaction per (user, item): the first time the user touched the item, with the strongest weight seen.
 * @note Keeping the first time means a re-watch after the cutoff is not a new item to predict; the result is in
 * time order (ties by user, then item), so splits are deterministic.
 */
export function dedupePairs(interactions: Iterable<Interaction>): Interaction[] {
  const pairs = new Map<string, Interaction>()
  for (const x of interactions) {
    const key = `${x.user_id}\u0000${x.item_id}`
    const seen = pairs.get(key)
    if (!seen) pairs.set(key, { ...x })
    else {
      seen.ts = Math.min(seen.ts, x.ts)
      seen.weight = Math.max(seen.weight, x.weight)
    }
  }
  return [...pairs.values()].sort(byTime)
}

/**
 * Global temporal split: the last `holdout` share of the de-duplicated interactions by time is held out, so no
 * model sees the future. Interactions at the cutoff timestamp all go to the test side.
 */
export function temporalSplit(
  interactions: Iterable<Interaction>,
  { holdout = 0.1 }: { holdout?: number } = {},
): Split {
  if (!(holdout > 0 && holdout < 1))
    throw new RangeError(`holdout must be in (0, 1), got ${holdout}`)
  const all = dedupePairs(interactions)
  if (all.length === 0) return { train: [], test: [] }
  const at = Math.min(all.length - 1, Math.floor(all.length * (1 - holdout)))
  const cutoff = all[at]!.ts
  let first = at
  while (first > 0 && all[first - 1]!.ts === cutoff) first--
  return { train: all.slice(0, first), test: all.slice(first), cutoff }
}

/**
 * Per-user leave-last-n: each user's `n` latest distinct items are held out; users with `n` or fewer items stay
 * whole in train (nothing would be left to learn them from).
 */
export function leaveLastN(
  interactions: Iterable<Interaction>,
  { n = 1 }: { n?: number } = {},
): Split {
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`n must be a positive integer, got ${n}`)
  const perUser = new Map<string, Interaction[]>()
  for (const x of dedupePairs(interactions)) {
    const mine = perUser.get(x.user_id) ?? []
    perUser.set(x.user_id, mine)
    mine.push(x)
  }
  const train: Interaction[] = []
  const test: Interaction[] = []
  for (const mine of perUser.values()) {
    const keep = mine.length > n ? mine.length - n : mine.length
    train.push(...mine.slice(0, keep))
    test.push(...mine.slice(keep))
  }
  return { train: train.sort(byTime), test: test.sort(byTime) }
}
