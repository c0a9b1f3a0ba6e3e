import { murmur3, seededRandom } from '@recsys/shared'
import type { Interaction } from './dataset'

/** Train and held-out interactions; each (user, item) pair appears once, in one side only. */
export interface Split {
  train: Interaction[]
  test: Interaction[]
  /** Global splits: the first held-out timestamp (ms); absent for per-user splits. */
  cutoff?: number
  /** Random splits: the share kept for train and the seed (absent for the temporal ones). */
  random?: { ratio: number; seed: number }
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

/** The de-duplicated pairs of each user, in time order (ties by user, then item), users in first-seen order. */
function pairsByUser(interactions: Iterable<Interaction>): Map<string, Interaction[]> {
  const perUser = new Map<string, Interaction[]>()
  for (const x of dedupePairs(interactions)) {
    const mine = perUser.get(x.user_id)
    if (mine) mine.push(x)
    else perUser.set(x.user_id, [x])
  }
  return perUser
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
  const perUser = pairsByUser(interactions)
  const train: Interaction[] = []
  const test: Interaction[] = []
  for (const mine of perUser.values()) {
    const keep = mine.length > n ? mine.length - n : mine.length
    train.push(...mine.slice(0, keep))
    test.push(...mine.slice(keep))
  }
  return { train: train.sort(byTime), test: test.sort(byTime) }
}

/** Rounds half to even (banker's rounding), as numpy's `round` does: 1.5 → 2, 2.5 → 2, 2.25 → 2. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d !== 0.5) return d < 0.5 ? f : f + 1
  return f % 2 === 0 ? f : f + 1
}

/** Item ids compare by code unit, so the order before shuffling does not depend on the locale. */
const byTimeThenItem = (a: Interaction, b: Interaction): number =>
  a.ts - b.ts || (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)

/**
 * Per-user stratified random split (Microsoft Recommenders' `python_stratified_split`): each user's distinct items
 * are shuffled with a seeded generator and the first `roundHalfEven(ratio × n)` go to train, the rest to test.
 * @note Each user's generator is seeded from `seed` and the user id (murmur3), and the user's pairs are put in time
 * order (ties by item) before shuffling: a user's split depends only on the seed and that user's own items, not on
 * the input order or on the other users. A user with one item keeps it in train; with two, `round(1.5) = 2` keeps
 * both (half to even), as the reference does.
 */
export function randomSplit(
  interactions: Iterable<Interaction>,
  { ratio = 0.75, seed = 42 }: { ratio?: number; seed?: number } = {},
): Split {
  if (!(ratio > 0 && ratio < 1)) throw new RangeError(`ratio must be in (0, 1), got ${ratio}`)
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`)
  const perUser = pairsByUser(interactions)
  const train: Interaction[] = []
  const test: Interaction[] = []
  for (const [user, mine] of perUser) {
    mine.sort(byTimeThenItem)
    const r = seededRandom(murmur3(user, seed >>> 0))
    for (let i = mine.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1))
      const t = mine[i]!
      mine[i] = mine[j]!
      mine[j] = t
    }
    const keep = roundHalfEven(ratio * mine.length)
    train.push(...mine.slice(0, keep))
    test.push(...mine.slice(keep))
  }
  return { train: train.sort(byTime), test: test.sort(byTime), random: { ratio, seed } }
}
