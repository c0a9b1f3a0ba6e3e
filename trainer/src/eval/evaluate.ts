import type { FitOptions } from '../model/fit'
import { forward } from '../model/mlp'
import { alsScores, trainAls, type AlsModel, type AlsOptions } from '../recommenders/als'
import { coOccurrence, histories, lastTouched, neighbors } from '../recommenders/co-occurrence'
import { itemsByUser, type Dataset } from '../data/dataset'
import { easeScores, trainEase, type EaseModel, type EaseOptions } from '../recommenders/ease'
import { itemKnnScores, trainItemKnn, type ItemKnnOptions } from '../recommenders/item-knn'
import {
  apAt,
  catalogCoverage,
  intraListDiversity,
  ndcgAt,
  noveltyAt,
  precisionAt,
  recallAt,
} from './metrics'
import { byScore, type Scored } from '../recommenders/popularity'
import { RANKER_DEFAULTS, tooFewExamples, trainRanker } from '../ranker/ranker'
import { rankerArtifacts } from '../artifacts/ranker-artifacts'
import {
  evenSample,
  historySplit,
  rankerExamples,
  userCandidates,
  type ExampleOptions,
} from '../ranker/ranker-data'
import type { Split } from '../data/split'
import { bestOf } from '../recommenders/top-k'
import { tuneAls, type AlsSearch } from './tune-als'

/** The models the offline evaluation compares. */
export type EvalModel = 'popularity' | 'item2item' | 'als' | 'ease' | 'knn' | 'ranker'

/** The models every evaluation scores when it can: the simple one and the strong closed-form one. */
export const BASELINES = ['popularity', 'ease'] as const

export interface EvalOptions {
  als?: AlsOptions
  /** Users with at most this many train items form the cold-start slice. */
  coldStartMax?: number
  /** Share of the train-touched items, most popular first, that forms the head slice. */
  headShare?: number
  /** Item-to-item: neighbours kept per item, and the most recent train items of a user that vote. */
  neighbors?: number
  maxHistory?: number
  /**
   * Most users scored: above it, an even sample of the eligible users (sorted by id, every n-th), so a large
   * dataset's evaluation stays minutes, not hours, and the same data gives the same sample.
   */
  maxUsers?: number
  /** ALS already trained on the split's train side with `als` (the pipeline trains it once for every use). */
  alsModel?: AlsModel
  /** EASE's settings; `false` leaves it out (its guard leaves it out of a catalog too large, saying why). */
  ease?: EaseOptions | false
  /** EASE already trained on the split's train side. */
  easeModel?: EaseModel
  /** Item-kNN's settings; `false` leaves it out. */
  knn?: ItemKnnOptions | false
  /**
   * Search ALS's settings on a validation split of the train side first (`true`: tune-als.ts `ALS_GRID`); the
   * chosen ones override `als` (not when `alsModel` is given).
   */
  alsSearch?: boolean | readonly AlsOptions[]
  /** Score only these models (default: all); the others are absent, not skipped. */
  only?: readonly EvalModel[]
  /** The trained ranker: its examples (candidate budget, negatives, …) and training options. */
  ranker?: { examples?: ExampleOptions; fit?: Partial<FitOptions> }
}

export interface SliceReport {
  /** Users in the slice (for item slices: users with at least one held-out item in it). */
  users: number
  recall_at_20: number
  ndcg_at_10: number
}

export interface ModelReport {
  recall_at_10: number
  recall_at_20: number
  ndcg_at_10: number
  precision_at_10: number
  map_at_10: number
  /** Share of the catalog in at least one evaluated user's top 10. */
  coverage_at_10: number
  /** Mean pairwise category distance within a user's top 10 (metrics.ts `intraListDiversity`). */
  diversity_at_10: number
  /** Mean self-information of the top 10's items, in bits (metrics.ts `noveltyAt`). */
  novelty_at_10: number
  cold_start: SliceReport
  head_items: SliceReport
  tail_items: SliceReport
}

export interface EvalReport {
  dataset: { items: number; users: number; train: number; test: number }
  /** Users scored: at least one train and one held-out item. */
  users_evaluated: number
  /** Held-out users with no train item: no model here can personalise for them, so they are left out. */
  users_without_train: number
  /** Every model scored (`ranker` is absent when the train side is too small to train one). */
  models: Partial<Record<EvalModel, ModelReport>>
  /** Models left out, and why (EASE over its catalog-size guard, a model turned off). */
  skipped: Partial<Record<EvalModel, string>>
  /** The ALS search, when one ran. */
  tuning?: { als: AlsSearch }
  ms: Partial<Record<EvalModel, number>>
}

const K = 20
const RANKER_EXAMPLES = RANKER_DEFAULTS.examples

/** The `k` best-scored items not in `exclude`, best first, ties by item id. */
function topK(scores: Iterable<Scored>, exclude: ReadonlySet<string>, k: number): string[] {
  const best: Scored[] = []
  for (const s of scores) {
    if (exclude.has(s.item_id)) continue
    if (best.length === k && byScore(s, best[k - 1]!) >= 0) continue
    let at = best.length
    while (at > 0 && byScore(s, best[at - 1]!) < 0) at--
    best.splice(at, 0, s)
    if (best.length > k) best.pop()
  }
  return best.map((s) => s.item_id)
}

const round = (v: number) => Math.round(v * 1e4) / 1e4
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)

/**
 * Scores popularity (train counts), item-to-item (cosine co-occurrence neighbours of the user's recent train items,
 * summed), implicit ALS (xᵤ·yᵢ), EASE (x·B), item-kNN with shrinkage on the held-out items of every user with train
 * history, excluding the user's train items from every list; and the trained ranker over the scorer's sources.
 * @note Held-out items nobody touched in train stay relevant: no model here can retrieve them, which is the honest
 * cost of a temporal split; lists shorter than K are not padded (item-to-item has nothing for an item without
 * co-occurrences).
 * @note The ranker is trained on the train split alone: its history part (per user or in time, as `split`; see
 * `historySplit`) builds the artifacts and its later part the labels; then it ranks each user's candidates from the
 * artifacts of the whole train split (`userCandidates`). ALS is trained once and shared with the `als` model, whose
 * `ms` includes it.
 */
export async function evaluate(
  data: Dataset,
  split: Split,
  options: EvalOptions = {},
): Promise<EvalReport> {
  const { coldStartMax = 5, headShare = 0.2, maxHistory = 50, maxUsers = 5000 } = options
  const trainItems = new Map<string, Set<string>>()
  const counts = new Map<string, number>()
  for (const x of split.train) {
    const mine = trainItems.get(x.user_id) ?? new Set<string>()
    trainItems.set(x.user_id, mine)
    mine.add(x.item_id)
    counts.set(x.item_id, (counts.get(x.item_id) ?? 0) + 1)
  }
  const relevant = itemsByUser(split.test.filter((x) => !trainItems.get(x.user_id)?.has(x.item_id)))
  const eligible = [...relevant.keys()].filter((u) => trainItems.has(u)).sort()
  const users = evenSample(eligible, maxUsers)
  const popular = [...counts].map(([item_id, score]) => ({ item_id, score })).sort(byScore)
  const head = new Set(
    popular.slice(0, Math.ceil(popular.length * headShare)).map((s) => s.item_id),
  )

  const categories = new Map(data.items.map((it) => [it.item_id, it.categories]))

  let tuning: EvalReport['tuning']
  const alsParams = () => {
    if (!options.alsSearch || options.alsModel) return options.als
    if (!tuning) {
      const grid = options.alsSearch === true ? undefined : options.alsSearch
      tuning = { als: tuneAls(split.train, split, { grid, seed: options.als?.seed }) }
    }
    return { ...options.als, ...tuning.als.best }
  }
  let als: AlsModel | undefined
  const alsModel = () => (als ??= options.alsModel ?? trainAls(split.train, alsParams()))
  /**
   * Each model's list maker; undefined where the train side is too small to train it, or a reason to leave it out
   * (either way it is absent from the report's models).
   */
  type Lists = (user: string) => string[]
  const rankers: Record<EvalModel, () => Lists | string | undefined | Promise<Lists | string>> = {
    popularity: () => (u) => topK(popular, trainItems.get(u)!, K),
    item2item: () => {
      const at = lastTouched(split.train)
      const hist = histories(at)
      const nn = neighbors(coOccurrence(hist, { maxHistory, at }), { k: options.neighbors ?? 50 })
      return (u) => {
        const scores = new Map<string, number>()
        for (const item of hist.get(u)!.slice(0, maxHistory))
          for (const n of nn.get(item) ?? [])
            scores.set(n.item_id, (scores.get(n.item_id) ?? 0) + n.score)
        return topK(
          [...scores].map(([item_id, score]) => ({ item_id, score })),
          trainItems.get(u)!,
          K,
        )
      }
    },
    als: () => {
      const model = alsModel()
      return (u) => {
        const s = alsScores(model, u)!
        const mine = trainItems.get(u)!
        for (const id of mine) {
          const i = model.itemIndex.get(id)
          if (i !== undefined) s[i] = -Infinity
        }
        // One linear select of the K best, no object per item.
        return topK(bestOf(model.items, s, K), mine, K)
      }
    },
    ease: async () => {
      if (options.ease === false) return 'turned off'
      const trained = options.easeModel
        ? { ok: true as const, value: options.easeModel }
        : await trainEase(split.train, options.ease)
      if (!trained.ok) return trained.error.message
      const model = trained.value
      return (u) => {
        const mine = trainItems.get(u)!
        const s = easeScores(model, mine)
        for (const id of mine) {
          const i = model.itemIndex.get(id)
          if (i !== undefined) s[i] = -Infinity
        }
        return topK(bestOf(model.items, s, K), mine, K)
      }
    },
    knn: () => {
      if (options.knn === false) return 'turned off'
      const model = trainItemKnn(split.train, options.knn)
      return (u) => topK(itemKnnScores(model, trainItems.get(u)!), trainItems.get(u)!, K)
    },
    ranker: () => {
      const inner = historySplit(split.train, split)
      const examples = { ...RANKER_EXAMPLES, ...options.ranker?.examples }
      const history = rankerArtifacts(data.items, inner.train, { als: alsParams() })
      const rows = rankerExamples(history, inner.test, examples)
      if (tooFewExamples(rows)) return undefined
      const { mlp } = trainRanker(rows, options.ranker?.fit)
      const serving = rankerArtifacts(data.items, split.train, { alsModel: alsModel() })
      return (u) => {
        const { items, features } = userCandidates(serving, u, examples)
        const p = forward(mlp, features, items.length)
        return topK(
          items.map((item_id, i) => ({ item_id, score: p[i]! })),
          trainItems.get(u)!,
          K,
        )
      }
    },
  }

  const models = {} as EvalReport['models']
  const ms: EvalReport['ms'] = {}
  const skipped: EvalReport['skipped'] = {}
  for (const name of Object.keys(rankers) as EvalModel[]) {
    if (options.only && !options.only.includes(name)) continue
    const t0 = performance.now()
    const rank = await rankers[name]()
    if (typeof rank === 'string') skipped[name] = rank
    if (typeof rank !== 'function') continue
    const lists = users.map((u) => rank(u))
    ms[name] = Math.round(performance.now() - t0)
    const per = (pick: (u: string, i: number) => Set<string> | undefined): SliceReport => {
      const r20: number[] = []
      const n10: number[] = []
      users.forEach((u, i) => {
        const rel = pick(u, i)
        if (!rel || rel.size === 0) return
        r20.push(recallAt(lists[i]!, rel, 20))
        n10.push(ndcgAt(lists[i]!, rel, 10))
      })
      return { users: r20.length, recall_at_20: round(mean(r20)), ndcg_at_10: round(mean(n10)) }
    }
    const rel = (u: string) => relevant.get(u)!
    const only = (keep: (item: string) => boolean) => (u: string) =>
      new Set([...rel(u)].filter(keep))
    models[name] = {
      recall_at_10: round(mean(users.map((u, i) => recallAt(lists[i]!, rel(u), 10)))),
      recall_at_20: round(mean(users.map((u, i) => recallAt(lists[i]!, rel(u), 20)))),
      ndcg_at_10: round(mean(users.map((u, i) => ndcgAt(lists[i]!, rel(u), 10)))),
      precision_at_10: round(mean(users.map((u, i) => precisionAt(lists[i]!, rel(u), 10)))),
      map_at_10: round(mean(users.map((u, i) => apAt(lists[i]!, rel(u), 10)))),
      coverage_at_10: round(catalogCoverage(lists, data.items.length, 10)),
      diversity_at_10: round(mean(lists.map((l) => intraListDiversity(l, categories, 10)))),
      novelty_at_10: round(mean(lists.map((l) => noveltyAt(l, counts, trainItems.size, 10)))),
      cold_start: per((u) => (trainItems.get(u)!.size <= coldStartMax ? rel(u) : undefined)),
      head_items: per(only((item) => head.has(item))),
      tail_items: per(only((item) => !head.has(item))),
    }
  }
  return {
    dataset: {
      items: data.items.length,
      users: data.users.length,
      train: split.train.length,
      test: split.test.length,
    },
    users_evaluated: users.length,
    users_without_train: relevant.size - eligible.length,
    models,
    skipped,
    ...(tuning ? { tuning } : {}),
    ms,
  }
}
