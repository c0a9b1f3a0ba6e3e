import { planRelease, redisKeys, seededRandom, type ReleaseSpec } from '@recsys/shared'

export const BENCH_TENANT = 'bench'
export const BENCH_USERS = Number(process.env.BENCH_USERS ?? 1000)
const ITEMS = 5000
const SLATE = 100

/** A release with 5,000 items, 1,000 user slates of 100 items, popular and segment lists, and live rules. */
export function benchRelease(): ReleaseSpec {
  const r = seededRandom(42)
  const ids = Array.from({ length: ITEMS }, (_, i) => `item-${i}`)
  const pick = (n: number) => Array.from({ length: n }, () => ids[Math.floor(r() ** 2 * ITEMS)]!)
  const slate = (list: string[]) => ({
    items: [...new Set(list)].map((item_id, i) => ({ item_id, score: 1 - i / 200 })),
  })
  return {
    tenant: BENCH_TENANT,
    release: 'bench-r1',
    created_at: new Date().toISOString(),
    model_version: 'bench-m1',
    rules_version: 'bench-rules1',
    config: { tenant: BENCH_TENANT, surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
    catalog: Object.fromEntries(
      ids.map((id, i) => [
        id,
        {
          categories: [`c${i % 12}`],
          available: i % 97 !== 0,
          regions_blocked: i % 31 === 0 ? ['DE'] : undefined,
        },
      ]),
    ),
    denylist: ids.filter((_, i) => i % 250 === 0),
    rules: {
      default: {
        version: 'bench-rules1',
        eligibility: { exclude_seen: true, frequency_cap: { max: 3, window_s: 86_400 } },
        rerank: { category_cap: { max: 3, top_n: 10 } },
      },
    },
    popular: [{ surface: 'home_feed', slate: slate(ids.slice(0, 200)) }],
    user_slates: Array.from({ length: BENCH_USERS }, (_, u) => ({
      surface: 'home_feed',
      user_id: `user-${u}`,
      slate: { items: slate(pick(SLATE * 2)).items.slice(0, SLATE) },
    })),
  }
}

/** Redis commands that give every bench user consent, a few hides, impressions and seen items. */
export function benchUserState(now: number): string[][] {
  const cmds: string[][] = []
  for (let u = 0; u < BENCH_USERS; u++) {
    const s = `u.user-${u}`
    cmds.push([
      'HSET',
      redisKeys.profile(BENCH_TENANT, s),
      'consent',
      '1',
      'segment',
      `seg-${u % 10}`,
    ])
    cmds.push([
      'SADD',
      redisKeys.suppressedItems(BENCH_TENANT, s),
      `item-${u % 50}`,
      `item-${(u * 7) % 50}`,
    ])
    cmds.push(['SADD', redisKeys.seen(BENCH_TENANT, s), `item-${(u * 3) % 40}`])
    cmds.push([
      'ZADD',
      redisKeys.impressions(BENCH_TENANT, s),
      String(now - 1000),
      `item-${u % 20}|e1`,
    ])
  }
  return cmds
}

export const benchKvEntries = () => {
  const plan = planRelease(benchRelease())
  return { blobs: [...plan.blobs, plan.manifest], pointer: plan.pointer }
}
