import { seededRandom, type ReleaseSpec, type Slate } from '@recsys/shared'

/**
 * A small deterministic demo tenant for the local stack: items in categories with Zipf popularity, users in taste
 * clusters. Simple lists (popular, per-cluster, per-user, item-to-item by category) stand in until the batch
 * pipeline computes real ones.
 */
export const DEMO_TENANT = 'demo'
const ITEMS = 600
const USERS = 200
const CATEGORIES = [
  'action',
  'comedy',
  'drama',
  'documentary',
  'horror',
  'romance',
  'sci-fi',
  'family',
]
const CLUSTERS = 4

export const demoUsers = () => Array.from({ length: USERS }, (_, u) => `u-${u + 1}`)
export const clusterOf = (userIndex: number) => userIndex % CLUSTERS

export function demoRelease(release: string, now = Date.now()): ReleaseSpec {
  const r = seededRandom(7)
  const items = Array.from({ length: ITEMS }, (_, i) => ({
    id: `item-${i + 1}`,
    category: CATEGORIES[i % CATEGORIES.length]!,
    // Zipf popularity: rank i gets weight 1/(i+1).
    popularity: 1 / (i + 1),
    published_at: now - Math.floor(r() * 365) * 86_400_000,
  }))
  const byPopularity = [...items].sort((a, b) => b.popularity - a.popularity)
  const slate = (list: typeof items, source: string, reason: string): Slate => ({
    items: list.map((it, k) => ({
      item_id: it.id,
      score: 1 - k / (list.length + 1),
      source,
      reason,
    })),
    generated_at: new Date(now).toISOString(),
    version: release,
  })
  // Each cluster likes two categories.
  const tastes = Array.from({ length: CLUSTERS }, (_, c) => [
    CATEGORIES[2 * c]!,
    CATEGORIES[2 * c + 1]!,
  ])
  const liked = (c: number) => byPopularity.filter((it) => tastes[c]!.includes(it.category))
  return {
    tenant: DEMO_TENANT,
    release,
    created_at: new Date(now).toISOString(),
    model_version: 'demo-popularity-1',
    rules_version: 'demo-rules-1',
    config: {
      tenant: DEMO_TENANT,
      surfaces: [
        { id: 'home_feed', kind: 'personalized' },
        { id: 'related_items', kind: 'item_anchored' },
      ],
    },
    catalog: Object.fromEntries(
      items.map((it, i) => [
        it.id,
        {
          categories: [it.category],
          published_at: it.published_at,
          available: i % 50 !== 49,
          min_age: it.category === 'horror' ? 18 : 0,
          safe: it.category === 'family' || it.category === 'documentary',
          sponsored: i % 97 === 0,
        },
      ]),
    ),
    denylist: ['item-13'],
    rules: {
      default: {
        version: 'demo-rules-1',
        eligibility: { exclude_seen: true, frequency_cap: { max: 5, window_s: 86_400 } },
        rerank: {
          category_cap: { max: 4, top_n: 10 },
          freshness: { boost: 0.2, half_life_days: 30 },
          sponsored: { positions: [3], max: 1 },
          exploration: { positions: [8] },
        },
      },
    },
    popular: ['home_feed', 'related_items'].map((surface) => ({
      surface,
      slate: slate(byPopularity.slice(0, 200), 'popular', 'popular'),
    })),
    segments: Array.from({ length: CLUSTERS }, (_, c) => ({
      surface: 'home_feed',
      mode: 'personalized' as const,
      segment: `cluster-${c}`,
      slate: slate(liked(c).slice(0, 100), 'segment', 'popular_with_similar_users'),
    })),
    user_slates: demoUsers().map((user_id, u) => {
      const mine = liked(clusterOf(u))
      const offset = Math.floor(r() * 20)
      return {
        surface: 'home_feed',
        user_id,
        slate: slate(
          [...mine.slice(offset, offset + 80), ...mine.slice(0, offset)],
          'user_slate',
          'recommended_for_you',
        ),
      }
    }),
    anchored_slates: items.map((it) => ({
      surface: 'related_items',
      item_id: it.id,
      slate: slate(
        byPopularity.filter((o) => o.category === it.category && o.id !== it.id).slice(0, 30),
        'item2item',
        'similar_items',
      ),
    })),
  }
}
