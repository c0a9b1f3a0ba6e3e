import {
  meanVector,
  RANK_SOURCES,
  RANKER_FEATURE_COUNT,
  rankerFeatures,
  seededRandom,
  USER_STATE,
  type CandidateSignals,
  type RankSource,
  type SubjectSignals,
} from '@recsys/shared'
import { itemsByUser, type Interaction } from '../data/dataset'
import type { Scored } from '../recommenders/popularity'
import type { RankerArtifacts } from '../artifacts/ranker-artifacts'
import { leaveLastN, randomSplit, temporalSplit, type Split } from '../data/split'
import { bestOf, kthLargest } from '../recommenders/top-k'

/**
 * Most users whose examples a model is trained from: above it an even sample (every n-th in id order), so a 200k-user
 * tenant trains on a few thousand users' requests (plenty for a model of 13 features) in seconds, not hours.
 */
export const MAX_TRAINING_USERS = 5000

/** Every n-th of `sorted` so that at most `max` are kept (all of them when there are fewer). */
export function evenSample<T>(sorted: readonly T[], max: number): T[] {
  const stride = Math.max(1, Math.ceil(sorted.length / max))
  return sorted.filter((_, i) => i % stride === 0)
}

export interface CandidateOptions {
  /** The request's candidate budget, split between the sources by the scorer's default shares. */
  candidates?: number
  /** Most recent items the request carries (the edge sends the user state's recent list). */
  recentItems?: number
  /** Recent items within this long of the user's last one stand in for the session (at most `sessionItems`). */
  sessionGapMs?: number
  sessionItems?: number
}

/** The scorer's default share of the candidate budget per source (gpu-scorer retrieval/quotas.ts). */
export const SOURCE_SHARES: Readonly<Record<RankSource, number>> = {
  ann: 0.5,
  item2item: 0.3,
  trending: 0.1,
  editorial: 0.1,
}

/** A user's candidates as the scorer would retrieve and featurise them. */
export interface UserCandidates {
  /** Unique, grouped by first source in priority order (ann, item2item, trending, editorial). */
  items: string[]
  /** Row-major `[items × RANKER_FEATURE_COUNT]`, from the shared `rankerFeatures`. */
  features: Float32Array
}

/** What an offline request knows of its user; see {@link requestOf}. */
export interface OfflineRequest {
  /** Items the user touched in the artifacts' interactions (excluded from candidates). */
  seen: Set<string>
  session: string[]
  recent: string[]
  subject: SubjectSignals
  /** Item-to-item evidence from the neighbours of every session and recent item. */
  i2i: Map<string, { max: number; hits: number }>
}

/**
 * The offline stand-in of a `/v1/rank` request for `user`, with the subject the scorer derives from it: recent =
 * the user's latest `recentItems` distinct items (the user state's recent list), session = those within
 * `sessionGapMs` of the last one (at most `sessionItems`; the request carries them in both lists, as the edge
 * does); user vector = the ALS user factor, else the mean of the history's item vectors.
 */
export function requestOf(
  a: RankerArtifacts,
  user: string,
  {
    recentItems = USER_STATE.recentMax,
    sessionGapMs = 3_600_000,
    sessionItems = 10,
  }: CandidateOptions = {},
): OfflineRequest {
  const timeline = a.timelines.get(user) ?? []
  const seen = new Set(timeline.map((t) => t.item_id))
  const lastTs = timeline[0]?.ts ?? 0
  const latest = timeline.slice(0, recentItems)
  const recent = latest.map((t) => t.item_id)
  const session = latest
    .filter((t) => lastTs - t.ts <= sessionGapMs)
    .slice(0, sessionItems)
    .map((t) => t.item_id)
  const history = [...session, ...recent]
  const vec = (id: string) => a.itemVectors.get(id)
  const hasVector = (v: Float32Array | undefined): v is Float32Array => v !== undefined
  const subject: SubjectSignals = {
    vector: a.userVectors.get(user) ?? meanVector(history.map(vec).filter(hasVector)),
    sessionVectors: session.map(vec).filter(hasVector),
    historyCategories: history.flatMap((id) => {
      const it = a.catalog.get(id)
      return it ? [it.categories] : []
    }),
  }
  const i2i = new Map<string, { max: number; hits: number }>()
  for (const seed of new Set(history))
    for (const n of a.neighbors.get(seed) ?? []) {
      const e = i2i.get(n.item_id)
      if (e) {
        e.max = Math.max(e.max, n.score)
        e.hits++
      } else i2i.set(n.item_id, { max: n.score, hits: 1 })
    }
  return { seen, session, recent, subject, i2i }
}

/**
 * The candidates of {@link requestOf}'s request, retrieved and featurised the scorer's way over `a`: the sources
 * (ANN = top by dot(user, item); item-to-item = neighbours of session and recent items by best similarity, then
 * hits; trending; popular as `editorial`), each up to its quota, merged with provenance, then the shared
 * `rankerFeatures`. The one place both training and evaluation build candidates and their features.
 * @note Items the user already touched in `a` are excluded before the quotas are cut (the scorer's seen-items
 * filter runs after them), so offline every quota is filled with unseen items.
 */
export function userCandidates(
  a: RankerArtifacts,
  user: string,
  options: CandidateOptions = {},
): UserCandidates {
  const { seen, subject, i2i } = requestOf(a, user, options)
  const { candidates = 1000 } = options
  const quota = quotas(candidates)
  const unseen = (ids: Iterable<string>, n: number) => {
    const out: string[] = []
    for (const id of ids) {
      if (out.length >= n) break
      if (!seen.has(id)) out.push(id)
    }
    return out
  }
  const found: Record<RankSource, string[]> = {
    ann: subject.vector
      ? nearestScored(a, subject.vector, seen, quota.ann).map((s) => s.item_id)
      : [],
    item2item: strongest(i2i, seen, quota.item2item),
    trending: unseen(
      a.trending.map((s) => s.item_id),
      quota.trending,
    ),
    editorial: unseen(
      a.popular.map((s) => s.item_id),
      quota.editorial,
    ),
  }
  const sources = new Map<string, Set<RankSource>>()
  for (const s of RANK_SOURCES)
    for (const id of found[s]) {
      const set = sources.get(id) ?? new Set<RankSource>()
      sources.set(id, set)
      set.add(s)
    }
  const items = [...sources.keys()]
  const rows: CandidateSignals[] = items.map((id) => {
    const e = i2i.get(id)
    return {
      item: a.item(id),
      sources: sources.get(id)!,
      i2iMax: e?.max ?? 0,
      i2iHits: e?.hits ?? 0,
    }
  })
  return { items, features: rankerFeatures(subject, rows, a.now) }
}

/**
 * The item-to-item source: the `n` unseen items with the best neighbour similarity, then the most hits, then in
 * first-seen order (the scorer's sort, which is stable over the map's order).
 */
function strongest(
  i2i: ReadonlyMap<string, { max: number; hits: number }>,
  seen: ReadonlySet<string>,
  n: number,
): string[] {
  const entries = [...i2i].filter(([id]) => !seen.has(id))
  if (entries.length > n) {
    // Only entries at or above the n-th best similarity can make the list: sort those alone.
    const bound = kthLargest(
      Float64Array.from(entries, ([, e]) => e.max),
      n,
    )
    return entries
      .filter(([, e]) => e.max >= bound)
      .sort((x, y) => y[1].max - x[1].max || y[1].hits - x[1].hits)
      .slice(0, n)
      .map(([id]) => id)
  }
  return entries.sort((x, y) => y[1].max - x[1].max || y[1].hits - x[1].hits).map(([id]) => id)
}

/** The scorer's quotas for a budget: shares rounded down, what rounding leaves to the first source. */
function quotas(candidates: number): Record<RankSource, number> {
  const out = {} as Record<RankSource, number>
  let used = 0
  for (const s of RANK_SOURCES) used += out[s] = Math.floor(candidates * SOURCE_SHARES[s])
  out[RANK_SOURCES[0]] += Math.max(0, candidates - used)
  return out
}

/** Exact top `n` unseen items by dot(vector, item vector), best first, ties by item id (the ANN source, exactly). */
export function nearestScored(
  a: RankerArtifacts,
  vector: Float32Array,
  seen: ReadonlySet<string>,
  n: number,
): Scored[] {
  const ids = a.als.items
  const f = a.als.factors
  const m = a.itemMatrix
  const scores = new Float64Array(ids.length)
  const skip = new Uint8Array(ids.length)
  for (const id of seen) {
    const i = a.als.itemIndex.get(id)
    if (i !== undefined) skip[i] = 1
  }
  let unseen = 0
  for (let i = 0; i < ids.length; i++) {
    if (skip[i]) {
      scores[i] = -Infinity
      continue
    }
    unseen++
    // The shared `dot` over the index's float32 vectors, in the same order: the scorer's scores, bit for bit.
    let s = 0
    for (let d = 0; d < f; d++) s += vector[d]! * m[i * f + d]!
    scores[i] = s
  }
  return bestOf(ids, scores, Math.min(n, unseen))
}

/** Training rows: features, 0/1 labels and the user (request) each row belongs to. */
export interface RankerExamples {
  rows: number
  /** Row-major `[rows × RANKER_FEATURE_COUNT]`. */
  features: Float32Array
  labels: Uint8Array
  /** Index into `users` of each row's user. */
  groups: Int32Array
  users: string[]
  stats: {
    users: number
    positives: number
    negatives: number
    /** Label items of the users, and how many of them the sources retrieved (the ranker's ceiling). */
    label_items: number
    label_items_retrieved: number
  }
}

export interface ExampleOptions extends CandidateOptions {
  /** Users sampled for examples ({@link MAX_TRAINING_USERS}). */
  maxUsers?: number
  /** Negatives kept per user, drawn uniformly from its candidates; every positive is kept. */
  negatives?: number
  seed?: number
}

/**
 * Point-in-time examples: `history` builds the artifacts as they would have been ({@link rankerArtifacts}), and
 * each user with history and label items gets their candidates ({@link userCandidates}), labelled 1 when the item
 * is among the user's `labels` interactions, with negatives sampled. Users in sorted order, so deterministic.
 */
export function rankerExamples(
  a: RankerArtifacts,
  labels: readonly Interaction[],
  {
    negatives = 50,
    seed = 42,
    maxUsers = MAX_TRAINING_USERS,
    ...candidateOptions
  }: ExampleOptions = {},
): RankerExamples {
  const wanted = labelSets(a, labels)
  const users = evenSample([...wanted.keys()].sort(), maxUsers)
  const rand = seededRandom(seed)
  const F = RANKER_FEATURE_COUNT
  const chunks: Array<{ features: Float32Array; rows: number[]; labels: number[]; group: number }> =
    []
  const stats = {
    users: users.length,
    positives: 0,
    negatives: 0,
    label_items: 0,
    label_items_retrieved: 0,
  }
  users.forEach((user, group) => {
    const want = wanted.get(user)!
    const { items, features } = userCandidates(a, user, candidateOptions)
    const pos: number[] = []
    const neg: number[] = []
    items.forEach((id, r) => (want.has(id) ? pos : neg).push(r))
    // A partial Fisher-Yates shuffle draws the negatives.
    const k = Math.min(negatives, neg.length)
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (neg.length - i))
      ;[neg[i], neg[j]] = [neg[j]!, neg[i]!]
    }
    const rows = [...pos, ...neg.slice(0, k)]
    chunks.push({ features, rows, labels: rows.map((_, i) => (i < pos.length ? 1 : 0)), group })
    stats.positives += pos.length
    stats.negatives += k
    stats.label_items += want.size
    stats.label_items_retrieved += pos.length
  })
  const rows = stats.positives + stats.negatives
  const out: RankerExamples = {
    rows,
    features: new Float32Array(rows * F),
    labels: new Uint8Array(rows),
    groups: new Int32Array(rows),
    users,
    stats,
  }
  let at = 0
  for (const c of chunks)
    c.rows.forEach((r, i) => {
      out.features.set(c.features.subarray(r * F, (r + 1) * F), at * F)
      out.labels[at] = c.labels[i]!
      out.groups[at] = c.group
      at++
    })
  return out
}

/**
 * Each user's label items: their `labels` interactions with catalog items they had not touched in the artifacts'
 * history, for users the artifacts know (a user with no history is no ranker request here).
 */
export function labelSets(
  a: RankerArtifacts,
  labels: readonly Interaction[],
): Map<string, Set<string>> {
  return itemsByUser(
    labels.filter((x) => {
      const timeline = a.timelines.get(x.user_id)
      return (
        timeline !== undefined &&
        a.catalog.has(x.item_id) &&
        !timeline.some((t) => t.item_id === x.item_id)
      )
    }),
  )
}

/**
 * The history/label split of train interactions that mirrors the evaluation's split: a global time cut with the
 * same held-out share when `outer` is global, a random split with the same ratio (and the next seed) when `outer` is
 * random, else per-user leave-last-n with its mean held-out items per user.
 */
export function historySplit(train: readonly Interaction[], outer: Split): Split {
  if (outer.random)
    return randomSplit(train, { ratio: outer.random.ratio, seed: outer.random.seed + 1 })
  if (outer.cutoff !== undefined)
    return temporalSplit(train, {
      holdout: outer.test.length / (outer.train.length + outer.test.length),
    })
  const users = new Set(outer.test.map((x) => x.user_id)).size
  return leaveLastN(train, { n: Math.max(1, Math.round(outer.test.length / Math.max(1, users))) })
}
