import type { Interaction } from '../data/dataset'
import type { Split } from '../data/split'
import { alsScores, ALS_PARAMS, trainAls, type AlsOptions } from '../recommenders/als'
import { bestOf } from '../recommenders/top-k'
import { historySplit, evenSample } from '../ranker/ranker-data'
import { ndcgAt } from './metrics'

/**
 * The small grid of the ALS search: the pipeline's setting, wider factors, a stronger confidence slope and a
 * stronger regularisation, one change at a time (each trial trains ALS once; 4 trials keep the search to about
 * four ALS trainings).
 */
export const ALS_GRID: readonly AlsOptions[] = [
  { ...ALS_PARAMS },
  { ...ALS_PARAMS, factors: 64 },
  { ...ALS_PARAMS, alpha: 40 },
  { ...ALS_PARAMS, reg: 1 },
]

export interface AlsTrial {
  params: AlsOptions
  /** NDCG@10 on the validation side of the train split. */
  ndcg_at_10: number
  ms: number
}

export interface AlsSearch {
  best: AlsOptions
  trials: AlsTrial[]
  /** Users the validation scored. */
  users: number
}

/**
 * Picks ALS's settings from `grid` by NDCG@10 on a validation split carved out of `train` the way the evaluation
 * split `outer` was made (`historySplit`: random, per-user latest, or a time cut), so the held-out side of `outer`
 * is never seen. Ties keep the earlier setting.
 */
export function tuneAls(
  train: readonly Interaction[],
  outer: Split,
  {
    grid = ALS_GRID,
    seed = 42,
    maxUsers = 1000,
  }: { grid?: readonly AlsOptions[]; seed?: number; maxUsers?: number } = {},
): AlsSearch {
  if (grid.length === 0) throw new RangeError('the ALS grid is empty')
  const inner = historySplit(train, outer)
  const seen = new Map<string, Set<string>>()
  for (const x of inner.train) {
    const mine = seen.get(x.user_id) ?? new Set<string>()
    seen.set(x.user_id, mine)
    mine.add(x.item_id)
  }
  const held = new Map<string, Set<string>>()
  for (const x of inner.test)
    if (seen.has(x.user_id) && !seen.get(x.user_id)!.has(x.item_id)) {
      const mine = held.get(x.user_id) ?? new Set<string>()
      held.set(x.user_id, mine)
      mine.add(x.item_id)
    }
  const users = evenSample([...held.keys()].sort(), maxUsers)
  const trials: AlsTrial[] = grid.map((params) => {
    const t0 = performance.now()
    const model = trainAls(inner.train, { ...params, seed })
    let sum = 0
    for (const u of users) {
      const s = alsScores(model, u)!
      for (const id of seen.get(u)!) {
        const i = model.itemIndex.get(id)
        if (i !== undefined) s[i] = -Infinity
      }
      const top = bestOf(model.items, s, 10).map((x) => x.item_id)
      sum += ndcgAt(top, held.get(u)!, 10)
    }
    const ndcg = users.length ? sum / users.length : 0
    return {
      params,
      ndcg_at_10: Math.round(ndcg * 1e4) / 1e4,
      ms: Math.round(performance.now() - t0),
    }
  })
  let best = trials[0]!
  for (const t of trials) if (t.ndcg_at_10 > best.ndcg_at_10) best = t
  return { best: best.params, trials, users: users.length }
}
