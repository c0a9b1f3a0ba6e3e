import { listSignals, type ItemSignals } from '@recsys/shared'
import { trainAls, type AlsModel, type AlsOptions } from '../recommenders/als'
import { coOccurrence, histories, lastTouched, neighbors } from '../recommenders/co-occurrence'
import type { DatasetItem, Interaction } from '../data/dataset'
import { decayedCounts, topScored, type Scored } from '../recommenders/popularity'
import { POPULAR_HALF_LIFE_DAYS, round, TRENDING_HALF_LIFE_DAYS } from './simple-artifacts'

/**
 * The scorer's view of a release, rebuilt offline from some interactions: what the artifacts of a release built on
 * exactly those interactions would hold (ALS factors as the index's float32 embeddings, co-occurrence neighbours,
 * trending and popular lists, the catalog). Training builds it from the history part of a time split, evaluation
 * and serving from all train interactions.
 */
export interface RankerArtifacts {
  /** Reference time of the decays and of `item_age`: the last interaction's time. */
  now: number
  als: AlsModel
  /** ALS item factors as float32: the index's item vectors. */
  itemVectors: Map<string, Float32Array>
  /** The same vectors as one row-major matrix, rows in `als.items` order (for brute-force nearest items). */
  itemMatrix: Float32Array
  /** ALS user factors as float32: the index's user vectors (`user_item_dot` is the ALS score). */
  userVectors: Map<string, Float32Array>
  neighbors: Map<string, Scored[]>
  trending: Scored[]
  /** The surfaces' fallback (popular) list: the scorer's `editorial` source and `popularity` feature. */
  popular: Scored[]
  catalog: Map<string, DatasetItem>
  /** Each user's distinct items with the last time they touched each, most recent first. */
  timelines: Map<string, Array<{ item_id: string; ts: number }>>
  /** Item signals, as the scorer's `itemSignals` computes them from the artifacts (memoised). */
  item: (id: string) => ItemSignals
}

export interface RankerArtifactOptions {
  als?: AlsOptions
  /** An ALS model already trained on the same interactions (the evaluation's or the pipeline's), to reuse. */
  alsModel?: AlsModel
  /** Neighbours per item and entries per list, as `simpleArtifacts` publishes them (its slateSize and listSize). */
  neighbors?: number
  listSize?: number
}

/** The artifacts a release built on `interactions` would publish; see {@link RankerArtifacts}. */
export function rankerArtifacts(
  items: readonly DatasetItem[],
  interactions: readonly Interaction[],
  { als, alsModel, neighbors: k = 50, listSize = 200 }: RankerArtifactOptions = {},
): RankerArtifacts {
  const catalog = new Map(items.map((it) => [it.item_id, it]))
  const xs = interactions.filter((x) => catalog.has(x.item_id))
  const available = (id: string) => catalog.get(id)?.available === true
  let now = 0
  for (const x of xs) if (x.ts > now) now = x.ts
  const model = alsModel ?? trainAls(xs, als)
  const rows = (ids: string[], m: Float64Array) =>
    new Map(
      ids.map((id, r) => [
        id,
        Float32Array.from(m.subarray(r * model.factors, (r + 1) * model.factors)),
      ]),
    )
  const published = (list: Scored[]) => list.map((s) => ({ ...s, score: round(s.score) }))
  const decayed = (halfLifeDays: number) =>
    published(topScored(decayedCounts(xs, { now, halfLifeDays }), listSize, available))
  const at = lastTouched(xs)
  const near = neighbors(coOccurrence(histories(at), { at }), { k, keep: available })
  const trending = decayed(TRENDING_HALF_LIFE_DAYS)
  const popular = decayed(POPULAR_HALF_LIFE_DAYS)
  const itemVectors = rows(model.items, model.itemFactors)
  const trendingSignal = listSignals(trending, 'score')
  const popularity = listSignals(popular, 'rank')
  const memo = new Map<string, ItemSignals>()
  const item = (id: string): ItemSignals => {
    let s = memo.get(id)
    if (!s) {
      const flags = catalog.get(id)
      s = {
        vector: itemVectors.get(id),
        categories: flags?.categories ?? [],
        published_at: flags?.published_at,
        trending: trendingSignal.get(id) ?? 0,
        popularity: popularity.get(id) ?? 0,
      }
      memo.set(id, s)
    }
    return s
  }
  return {
    now,
    als: model,
    itemVectors,
    itemMatrix: Float32Array.from(model.itemFactors),
    userVectors: rows(model.users, model.userFactors),
    neighbors: new Map([...near].map(([id, list]) => [id, published(list)])),
    trending,
    popular,
    catalog,
    timelines: timelines(xs),
    item,
  }
}

function timelines(xs: readonly Interaction[]) {
  const last = new Map<string, Map<string, number>>()
  for (const x of xs) {
    const mine = last.get(x.user_id) ?? new Map<string, number>()
    last.set(x.user_id, mine)
    mine.set(x.item_id, Math.max(mine.get(x.item_id) ?? -Infinity, x.ts))
  }
  return new Map(
    [...last].map(([u, mine]) => [
      u,
      [...mine]
        .map(([item_id, ts]) => ({ item_id, ts }))
        .sort(
          (a, b) => b.ts - a.ts || (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0),
        ),
    ]),
  )
}
