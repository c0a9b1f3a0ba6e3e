import type { RankSource } from '../contracts/rank'

/**
 * The ranker's features, in input column order. The scorer assembles them at request time and the batch pipeline
 * assembles them for training with this same code (docs/pipeline.md#models-and-artifacts: parity by construction).
 * A model's `feature_schema.features` must equal this list; changing it means a new model.
 */
export const RANKER_FEATURES = [
  /** dot(user, item) over the index's embeddings; 0 without a user vector. */
  'user_item_dot',
  /** 1 when the subject has a user vector (embedding or mean of recent items), else 0. */
  'has_user_vector',
  /** Largest item-to-item similarity from any recent or session item to this item. */
  'i2i_max',
  /** log1p of how many recent/session items list this item as a neighbour. */
  'i2i_hits',
  /** Largest dot(item, session item) over session items; 0 without session items or vectors. */
  'session_dot_max',
  /** Trending score, scaled to [0, 1] by the list's top score. */
  'trending',
  /** Popularity: 1 − rank / length in the surface's popular list, 0 when absent. */
  'popularity',
  /** Share of recent/session items that share a category with this item. */
  'category_affinity',
  /** log1p(age in days) / log1p(3650), capped at 1; 0.5 when the publication time is unknown. */
  'item_age',
  'from_ann',
  'from_item2item',
  'from_trending',
  'from_editorial',
] as const
export type RankerFeature = (typeof RANKER_FEATURES)[number]
export const RANKER_FEATURE_COUNT = RANKER_FEATURES.length

/** What is known about an item, independent of the request. */
export interface ItemSignals {
  /** Embedding from the index; undefined when the item is not indexed. */
  vector?: Float32Array
  categories: readonly string[]
  /** Publication time, ms since epoch. */
  published_at?: number
  /** [0, 1]: see {@link RANKER_FEATURES}. */
  trending: number
  /** [0, 1]. */
  popularity: number
}

/** What is known about the request's subject. */
export interface SubjectSignals {
  /** The user's vector, or undefined (anonymous, cold). */
  vector?: Float32Array
  /** Vectors of the session items that have one. */
  sessionVectors: readonly Float32Array[]
  /** Categories of recent and session items, one entry per item (for the affinity share). */
  historyCategories: ReadonlyArray<readonly string[]>
}

/** One candidate as the sources saw it. */
export interface CandidateSignals {
  item: ItemSignals
  /** Every source that retrieved it. */
  sources: ReadonlySet<RankSource>
  /** Largest neighbour similarity from a recent/session item (0 when none). */
  i2iMax: number
  /** Number of recent/session items that list it as a neighbour. */
  i2iHits: number
}

const AGE_NORM = Math.log1p(3650)
const DAY_MS = 86_400_000

export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length)
  let s = 0
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!
  return s
}

/** The mean of some vectors (a cold user's vector from the items they touched), or undefined for none. */
export function meanVector(vectors: readonly Float32Array[]): Float32Array | undefined {
  if (vectors.length === 0) return undefined
  const out = new Float32Array(vectors[0]!.length)
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i]! += v[i]! / vectors.length
  return out
}

/** Share of history entries (one per recent/session item) that share a category with `cats`. */
export function categoryAffinity(
  cats: readonly string[],
  history: ReadonlyArray<readonly string[]>,
): number {
  return historyIndex(history).affinity(cats)
}

/**
 * The history's categories indexed once per request: for each category, the set of history entries (a bit mask
 * over entry indices) that hold it. A candidate's affinity is the size of the union of its categories' masks over
 * the history's length: the same count as testing every entry against every category, in a few word operations.
 */
export function historyIndex(history: ReadonlyArray<readonly string[]>) {
  const words = Math.ceil(history.length / 32)
  const masks = new Map<string, Uint32Array>()
  history.forEach((cats, i) => {
    for (const c of cats) {
      let m = masks.get(c)
      if (!m) masks.set(c, (m = new Uint32Array(words)))
      m[i >>> 5]! |= 1 << (i & 31)
    }
  })
  const counts = new Map<string, number>()
  for (const [c, m] of masks) counts.set(c, popcount(m))
  const union = new Uint32Array(words)
  return {
    affinity(cats: readonly string[]): number {
      if (history.length === 0 || cats.length === 0) return 0
      if (cats.length === 1) return (counts.get(cats[0]!) ?? 0) / history.length
      union.fill(0)
      for (const c of cats) {
        const m = masks.get(c)
        if (m) for (let w = 0; w < words; w++) union[w]! |= m[w]!
      }
      return popcount(union) / history.length
    },
  }
}

/** Set bits over all words. */
function popcount(words: Uint32Array): number {
  let n = 0
  for (let w = 0; w < words.length; w++) {
    let x = words[w]!
    x -= (x >>> 1) & 0x55555555
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
    n += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
  }
  return n
}

/** log1p(age in days) / log1p(3650), capped at 1; 0.5 when the publication time is unknown. */
export function itemAge(publishedAt: number | undefined, now: number): number {
  if (publishedAt === undefined) return 0.5
  return Math.min(1, Math.log1p(Math.max(0, now - publishedAt) / DAY_MS) / AGE_NORM)
}

/**
 * Writes the feature row of each candidate into `out` (row-major `[candidates × RANKER_FEATURE_COUNT]`, allocated
 * when not given) and returns it. Pure and deterministic: the same signals and `now` give the same floats.
 */
export function rankerFeatures(
  subject: SubjectSignals,
  candidates: readonly CandidateSignals[],
  now: number,
  out = new Float32Array(candidates.length * RANKER_FEATURE_COUNT),
): Float32Array {
  const F = RANKER_FEATURE_COUNT
  if (out.length < candidates.length * F)
    throw new Error(`feature buffer holds ${out.length} values, needs ${candidates.length * F}`)
  const affinity = historyIndex(subject.historyCategories)
  const user = subject.vector
  const sessions = subject.sessionVectors
  for (let r = 0; r < candidates.length; r++) {
    const c = candidates[r]!
    const o = r * F
    const v = c.item.vector
    out[o + 0] = user && v ? dot(user, v) : 0
    out[o + 1] = user ? 1 : 0
    out[o + 2] = c.i2iMax
    out[o + 3] = Math.log1p(c.i2iHits)
    let sdot = 0
    if (v) for (let k = 0; k < sessions.length; k++) sdot = Math.max(sdot, dot(sessions[k]!, v))
    out[o + 4] = sdot
    out[o + 5] = c.item.trending
    out[o + 6] = c.item.popularity
    out[o + 7] = affinity.affinity(c.item.categories)
    out[o + 8] = itemAge(c.item.published_at, now)
    out[o + 9] = c.sources.has('ann') ? 1 : 0
    out[o + 10] = c.sources.has('item2item') ? 1 : 0
    out[o + 11] = c.sources.has('trending') ? 1 : 0
    out[o + 12] = c.sources.has('editorial') ? 1 : 0
  }
  return out
}

/**
 * Per-item trending and popularity in [0, 1] from the published lists (trending: score / top score; popularity:
 * 1 − rank / length). The scorer and the trainer both derive them this way from the same artifacts.
 */
export function listSignals(
  list: ReadonlyArray<{ item_id: string; score?: number }>,
  by: 'score' | 'rank',
) {
  const out = new Map<string, number>()
  if (by === 'rank') {
    list.forEach((e, i) => {
      if (!out.has(e.item_id)) out.set(e.item_id, 1 - i / list.length)
    })
    return out
  }
  const top = Math.max(0, ...list.map((e) => e.score ?? 0))
  for (const e of list)
    if (!out.has(e.item_id)) out.set(e.item_id, top > 0 ? Math.max(0, (e.score ?? 0) / top) : 0)
  return out
}
