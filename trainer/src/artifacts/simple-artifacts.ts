import {
  anchorReason,
  type CatalogFile,
  type DenylistFile,
  type FallbackFile,
  type NeighborsFile,
  type RulesFile,
  type Slate,
  type SlateEntry,
  type SlateLine,
  type SurfaceConfig,
  type TrendingFile,
} from '@recsys/shared'
import { coOccurrence, histories, lastTouched, neighbors } from '../recommenders/co-occurrence'
import type { Dataset } from '../data/dataset'
import { byScore, decayedCounts, topScored, type Scored } from '../recommenders/popularity'

export interface SimpleArtifactsOptions {
  surfaces: readonly Pick<SurfaceConfig, 'id' | 'kind'>[]
  /** Most entries of a user slate, an anchored slate and a neighbours list. */
  slateSize?: number
  /** Most entries of a popular, segment or trending list: longer, since every request filters them more. */
  listSize?: number
  /** ms since epoch: the reference of time decay, stamped as `generated_at`. */
  now: number
  /** Stamped on every slate. */
  version: string
  /**
   * Each user's slate from a model (scored, best first): replaces the co-occurrence blend for users it has a list
   * for. Entries are filtered here to available items the user has not consumed.
   */
  userSlates?: ReadonlyMap<string, readonly Scored[]>
  /** Most entries of a model's user slate. */
  userSlateSize?: number
  /** `source` of a model's user slate entries. */
  userSlateSource?: string
}

/** The artifact files of a release that need no model, by kind (formats in shared's artifact-files). */
export interface SimpleArtifacts {
  catalog: CatalogFile
  denylist: DenylistFile
  rules: RulesFile
  fallback: FallbackFile
  slates: SlateLine[]
  neighbors: NeighborsFile
  trending: TrendingFile
}

/** The `default` rule bundle (the demo's rules). */
export const SIMPLE_RULES: RulesFile = {
  default: {
    version: 'simple-rules-1',
    eligibility: {
      exclude_seen: true,
      exclude_consumed: true,
      frequency_cap: { max: 5, window_s: 86_400 },
    },
    rerank: {
      category_cap: { max: 4, top_n: 10 },
      freshness: { boost: 0.2, half_life_days: 30 },
      sponsored: { positions: [3], max: 1 },
      exploration: { positions: [8] },
    },
  },
}

/** Half-lives of the popular and trending lists' decay (the ranker's training data builds the same lists). */
export const POPULAR_HALF_LIFE_DAYS = 14
export const TRENDING_HALF_LIFE_DAYS = 1
/** A user slate starts from this many of the user's most recent items; the j-th counts `RECENCY^j`. */
const RECENT_ITEMS = 10
const RECENCY = 0.85
/** Share of co-occurrence in a user's score (each part scaled to [0, 1]); the rest comes from their cluster. */
const BLEND = 0.7
const MAX_SLATE = 1000

/** The segment of a taste cluster. */
export const segmentId = (cluster: number): string => `cluster-${cluster}`

/** Each user's segment (what the edge reads from the user's profile). */
export function segmentOf(dataset: Pick<Dataset, 'users'>): Map<string, string> {
  return new Map(dataset.users.map((u) => [u.user_id, segmentId(u.cluster)]))
}

/**
 * Computes the artifacts a release needs without a model: catalog, empty denylist, default rules, a popular list per
 * surface, user / anchored / segment slates, item neighbours and trending.
 * @note Only catalog items are referenced (interactions with unknown items are dropped), and lists hold available
 * items only. Every slate is stamped with `version` and `generated_at`; scores are descending.
 */
export function simpleArtifacts(
  dataset: Dataset,
  {
    surfaces,
    slateSize = 50,
    listSize = 200,
    now,
    version,
    userSlates,
    userSlateSize = 100,
    userSlateSource = 'mf',
  }: SimpleArtifactsOptions,
): SimpleArtifacts {
  if (surfaces.length < 1) throw new Error('simpleArtifacts: at least one surface')
  for (const n of [slateSize, listSize, userSlateSize])
    if (!(n >= 1 && n <= MAX_SLATE)) throw new Error(`simpleArtifacts: sizes are 1..${MAX_SLATE}`)
  const stamp = { generated_at: new Date(now).toISOString(), version }
  const catalogItems = new Map(dataset.items.map((it) => [it.item_id, it]))
  const available = (id: string) => catalogItems.get(id)?.available === true
  const interactions = dataset.interactions.filter((x) => catalogItems.has(x.item_id))
  const entries = (list: Scored[], source: string, reason: string): SlateEntry[] =>
    list.map((s) => ({ item_id: s.item_id, score: round(s.score), source, reason }))
  const slate = (items: SlateEntry[]): Slate => ({ items, ...stamp })

  const decayed = (halfLifeDays: number, keep: (user: string) => boolean = () => true) =>
    topScored(
      decayedCounts(
        interactions.filter((x) => keep(x.user_id)),
        { now, halfLifeDays },
      ),
      listSize,
      available,
    )
  const popular = slate(entries(decayed(POPULAR_HALF_LIFE_DAYS), 'popular', 'popular'))
  const clusterOf = new Map(dataset.users.map((u) => [u.user_id, u.cluster]))
  const clusters = [...new Set(clusterOf.values())].sort((a, b) => a - b)
  const clusterLists = new Map(
    clusters.map((c) => [c, decayed(POPULAR_HALF_LIFE_DAYS, (u) => clusterOf.get(u) === c)]),
  )
  const at = lastTouched(interactions)
  const history = histories(at)
  const near = neighbors(coOccurrence(history, { at }), { k: slateSize, keep: available })

  /** Co-occurrence with the user's recent items blended with their cluster's list, minus what they consumed. */
  const userEntries = (user: string, cluster: number): SlateEntry[] => {
    const consumed = history.get(user) ?? []
    const seen = new Set(consumed)
    const fromModel = userSlates?.get(user)
    if (fromModel)
      return fromModel
        .filter((s) => available(s.item_id) && !seen.has(s.item_id))
        .slice(0, userSlateSize)
        .map((s) => ({
          item_id: s.item_id,
          score: round(s.score),
          source: userSlateSource,
          reason: 'for_you',
        }))
    const cf = new Map<string, number>()
    consumed.slice(0, RECENT_ITEMS).forEach((a, j) => {
      for (const n of near.get(a) ?? [])
        cf.set(n.item_id, (cf.get(n.item_id) ?? 0) + RECENCY ** j * n.score)
    })
    const seg = new Map((clusterLists.get(cluster) ?? []).map((s) => [s.item_id, s.score]))
    const cfMax = Math.max(0, ...cf.values()) || 1
    const segMax = Math.max(0, ...seg.values()) || 1
    const out: (Scored & { fromCf: boolean })[] = []
    for (const item_id of new Set([...cf.keys(), ...seg.keys()])) {
      if (seen.has(item_id)) continue
      const a = (BLEND * (cf.get(item_id) ?? 0)) / cfMax
      const b = ((1 - BLEND) * (seg.get(item_id) ?? 0)) / segMax
      out.push({ item_id, score: a + b, fromCf: a >= b })
    }
    return out
      .sort(byScore)
      .slice(0, slateSize)
      .map((s) => ({
        item_id: s.item_id,
        score: round(s.score),
        source: s.fromCf ? 'item2item' : 'segment',
        reason: s.fromCf ? 'similar_to_recent' : 'popular_with_similar_users',
      }))
  }

  const slates: SlateLine[] = []
  const personalized = surfaces.filter((s) => s.kind === 'personalized')
  if (personalized.length)
    for (const u of dataset.users) {
      const s = slate(userEntries(u.user_id, u.cluster))
      for (const { id } of personalized)
        slates.push({ type: 'user', surface: id, user_id: u.user_id, slate: s })
    }
  for (const { id, kind } of surfaces) {
    if (kind === 'item_anchored')
      for (const it of dataset.items) {
        const list = near.get(it.item_id)
        if (list)
          slates.push({
            type: 'anchored',
            surface: id,
            item_id: it.item_id,
            slate: slate(entries(list, 'item2item', anchorReason(it.item_id))),
          })
      }
    for (const c of clusters)
      slates.push({
        type: 'segment',
        surface: id,
        mode: 'personalized',
        segment: segmentId(c),
        slate: slate(entries(clusterLists.get(c)!, 'segment', 'popular_with_similar_users')),
      })
    slates.push({
      type: 'segment',
      surface: id,
      mode: 'non_personalized',
      segment: 'all',
      slate: popular,
    })
  }

  return {
    catalog: {
      items: Object.fromEntries(
        dataset.items.map((it) => [
          it.item_id,
          {
            available: it.available,
            categories: it.categories,
            min_age: it.min_age,
            published_at: it.published_at,
            sponsored: it.sponsored,
            safe: it.safe,
          },
        ]),
      ),
    },
    denylist: { items: [] },
    rules: SIMPLE_RULES,
    fallback: { lists: surfaces.map(({ id }) => ({ surface: id, slate: popular })) },
    slates,
    neighbors: {
      items: Object.fromEntries(
        dataset.items.flatMap((it) => {
          const list = near.get(it.item_id)
          return list ? [[it.item_id, entries(list, 'item2item', 'similar_items')]] : []
        }),
      ),
    },
    trending: slate(entries(decayed(TRENDING_HALF_LIFE_DAYS), 'trending', 'trending')),
  }
}

/**
 * Slates as NDJSON bytes: one {@link SlateLine} per line, each line ending in `\n`. Encoded a line at a time into
 * one buffer, never one string: a large tenant's slates outgrow the longest string V8 can hold (~512 MiB).
 */
export function toNdjson(lines: Iterable<SlateLine>): Uint8Array {
  const encoder = new TextEncoder()
  let out = new Uint8Array(1 << 20)
  let used = 0
  for (const line of lines) {
    const text = JSON.stringify(line) + '\n'
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used + text.length * 3 > out.length) {
      const grown = new Uint8Array(Math.max(out.length * 2, used + text.length * 3))
      grown.set(out.subarray(0, used))
      out = grown
    }
    used += encoder.encodeInto(text, out.subarray(used)).written
  }
  return out.slice(0, used)
}

/** Six significant digits: enough to order, and it keeps NDJSON files small. Published scores are rounded so. */
export const round = (x: number): number => Number(x.toPrecision(6))
