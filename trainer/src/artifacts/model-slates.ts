import { easeScores, type EaseModel } from '../recommenders/ease'
import { itemKnnScores, type ItemKnnModel } from '../recommenders/item-knn'
import type { Scored } from '../recommenders/popularity'
import { bestOf } from '../recommenders/top-k'

/** What the precomputed user slates of a history-based model (EASE, item-kNN) need. */
export interface HistorySlateOptions {
  /** Entries per user. */
  k: number
  /** Items a slate may hold (available, not tombstoned). */
  keep: (item: string) => boolean
  /** Each user's consumed items: the model's input, and never recommended back. */
  consumed: ReadonlyMap<string, ReadonlySet<string>>
}

const report = (progress: (done: number, total: number) => void, total: number) => {
  const every = Math.max(1, Math.floor(total / 10))
  return (done: number) => done % every === 0 && progress(done, total)
}

/** Every user's top `k` by EASE (x·B) among the items `keep` allows and they have not consumed, best first. */
export function easeUserSlates(
  model: EaseModel,
  { k, keep, consumed }: HistorySlateOptions,
  progress: (done: number, total: number) => void = () => undefined,
): Map<string, Scored[]> {
  const blocked = model.items.flatMap((id, i) => (keep(id) ? [] : [i]))
  const out = new Map<string, Scored[]>()
  const tick = report(progress, consumed.size)
  for (const [user, mine] of consumed) {
    const s = easeScores(model, mine)
    for (const i of blocked) s[i] = -Infinity
    for (const id of mine) {
      const i = model.itemIndex.get(id)
      if (i !== undefined) s[i] = -Infinity
    }
    out.set(user, bestOf(model.items, s, k))
    tick(out.size)
  }
  return out
}

/** Every user's top `k` by item-kNN (summed neighbour similarities), as {@link easeUserSlates}. */
export function knnUserSlates(
  model: ItemKnnModel,
  { k, keep, consumed }: HistorySlateOptions,
  progress: (done: number, total: number) => void = () => undefined,
): Map<string, Scored[]> {
  const out = new Map<string, Scored[]>()
  const tick = report(progress, consumed.size)
  for (const [user, mine] of consumed) {
    out.set(
      user,
      itemKnnScores(model, mine)
        .filter((s) => keep(s.item_id) && !mine.has(s.item_id))
        .slice(0, k),
    )
    tick(out.size)
  }
  return out
}
