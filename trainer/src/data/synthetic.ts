import { seededRandom } from '@recsys/shared'
import {
  DAY_MS,
  type Dataset,
  type DatasetItem,
  type DatasetUser,
  type Interaction,
} from './dataset'

/** The synthetic dataset's clock: fixed, so the same seed gives the same artifacts (and the same versions). */
export const SYNTHETIC_START = Date.UTC(2026, 0, 1)

/** Categories of the demo tenant; some drive flags (`horror` is 18+, `family` and `documentary` are safe). */
export const DEMO_CATEGORIES = [
  'action',
  'comedy',
  'drama',
  'documentary',
  'horror',
  'romance',
  'sci-fi',
  'family',
] as const

export interface SyntheticOptions {
  /** Seeds every random draw: the same options give the same dataset, byte for byte. */
  seed: number
  /** ms since epoch: when the dataset is taken. Interactions fall in the `days` before it. */
  start: number
  days?: number
  items?: number
  users?: number
  categories?: readonly string[]
  /** Taste clusters; user `u-<n>` is in cluster `(n - 1) % clusters`. */
  clusters?: number
  /** Mean interactions per user (each user draws between half and one and a half times this). */
  interactionsPerUser?: number
}

/** Zipf exponent of item popularity: item `item-<n>` has weight 1 / n^s. */
const ZIPF_S = 1
/** How much more a cluster likes items of its categories than others. */
const AFFINITY = 10
/** Share of items with a second category, and of interactions that are strong (weight 3). */
const SECOND_CATEGORY = 0.15
const STRONG = 0.2
const SAFE = new Set(['family', 'documentary'])
const ADJECTIVES = ['Silent', 'Golden', 'Broken', 'Hidden', 'Last', 'Red', 'Wild', 'Distant']
const NOUNS = ['River', 'Empire', 'Garden', 'Signal', 'Harbor', 'Winter', 'Machine', 'Promise']

/**
 * A deterministic synthetic dataset: items in categories with Zipf popularity (`item-1` is the most popular), users
 * in taste clusters that each prefer a few categories, and interactions drawn from popularity × taste.
 * Catalog flags follow dev's demo data: every 50th item unavailable, every 97th sponsored, horror 18+.
 * @note An item's interactions all fall after its `published_at`, so recently published items look recent.
 */
export function syntheticDataset({
  seed,
  start,
  days = 30,
  items: itemCount = 1000,
  users: userCount = 500,
  categories = DEMO_CATEGORIES,
  clusters = 4,
  interactionsPerUser = 30,
}: SyntheticOptions): Dataset {
  if (itemCount < 1 || userCount < 1 || clusters < 1 || categories.length < 1 || days <= 0)
    throw new Error('syntheticDataset: items, users, clusters, categories and days must be > 0')
  const r = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!

  const items = Array.from({ length: itemCount }, (_, i): DatasetItem => {
    const primary = i % categories.length
    const cats = [categories[primary]!]
    if (categories.length > 1 && r() < SECOND_CATEGORY)
      cats.push(
        categories[(primary + 1 + Math.floor(r() * (categories.length - 1))) % categories.length]!,
      )
    return {
      item_id: `item-${i + 1}`,
      title: `${pick(ADJECTIVES)} ${pick(NOUNS)}`,
      categories: cats,
      published_at: start - (1 + Math.floor(r() * 365)) * DAY_MS,
      available: i % 50 !== 49,
      min_age: cats.includes('horror') ? 18 : 0,
      safe: cats.every((c) => SAFE.has(c)),
      sponsored: i % 97 === 0,
    }
  })

  // Cluster c likes `per` consecutive categories, starting at c * per (wrapping when clusters outnumber them).
  const per = Math.max(1, Math.floor(categories.length / clusters))
  const cdfs = Array.from({ length: clusters }, (_, c) => {
    const liked = new Set(
      Array.from({ length: per }, (_, j) => categories[(c * per + j) % categories.length]),
    )
    const cdf = new Float64Array(itemCount)
    let total = 0
    items.forEach((it, i) => {
      total += (it.categories.some((x) => liked.has(x)) ? AFFINITY : 1) / (i + 1) ** ZIPF_S
      cdf[i] = total
    })
    return cdf
  })

  const users = Array.from({ length: userCount }, (_, u): DatasetUser => ({
    user_id: `u-${u + 1}`,
    cluster: u % clusters,
  }))
  const from = start - days * DAY_MS
  const interactions: Interaction[] = []
  for (const user of users) {
    const n = Math.max(1, Math.round(interactionsPerUser * (0.5 + r())))
    for (let k = 0; k < n; k++) {
      const item = items[sample(cdfs[user.cluster]!, r())]!
      const lo = Math.max(from, item.published_at)
      interactions.push({
        user_id: user.user_id,
        item_id: item.item_id,
        ts: lo + Math.floor(r() * (start - lo)),
        weight: r() < STRONG ? 3 : 1,
      })
    }
  }
  // Stable sort: equal timestamps keep their draw order, so the output stays deterministic.
  interactions.sort((a, b) => a.ts - b.ts)
  return { items, users, interactions }
}

/** The index whose cumulative weight first exceeds `u` × total. */
function sample(cdf: Float64Array, u: number): number {
  const x = u * cdf[cdf.length - 1]!
  let lo = 0
  let hi = cdf.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cdf[mid]! > x) hi = mid
    else lo = mid + 1
  }
  return lo
}
