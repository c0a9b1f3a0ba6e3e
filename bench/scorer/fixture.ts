import type { RankRequestInput } from '@recsys/shared'
import {
  writeFixtureStore,
  type FixtureStore,
  type FixtureStoreOptions,
} from '../../gpu-scorer/test/fixture-store'

export const ITEMS = Number(process.env.BENCH_ITEMS ?? 5000)
export const CANDIDATES = Number(process.env.BENCH_CANDIDATES ?? 1000)
export const BENCH_USERS = 1000

/** The rankers benchmarked, each a tenant of the same store (same items, users and lists; its own model). */
export const BENCH_MODELS = [
  { tenant: 'bench-scorer', label: 'fixture ranker, 13 → 16 → 1', hidden: [16] },
  {
    tenant: 'bench-scorer-mlp',
    label: 'production-sized ranker, 13 → 256 → 128 → 1',
    hidden: [256, 128],
  },
  // Inference of a few milliseconds per 1000 rows, where it outweighs retrieval and features (and `auto` moves the
  // model to a worker thread): the p50 ratio's other end.
  { tenant: 'bench-scorer-heavy', label: 'heavy ranker, 13 → 1024 → 512 → 1', hidden: [1024, 512] },
] as const
export type BenchModel = (typeof BENCH_MODELS)[number]

/** The bench's scorer store of one tenant: ITEMS items, 1,000 users, 32-dim embeddings, no eligibility traps. */
export const benchFixture = (dataDir: string, over: FixtureStoreOptions = {}) =>
  writeFixtureStore(dataDir, {
    tenant: BENCH_MODELS[0].tenant,
    hidden: [...BENCH_MODELS[0].hidden],
    items: ITEMS,
    users: BENCH_USERS,
    dims: 32,
    trending: 200,
    fallback: 300,
    traps: false,
    ...over,
  })

/** User i's recent items, newest first (the scorer bench's requests and the end-to-end bench's user state). */
export const recentItems = (fx: FixtureStore, i: number) =>
  Array.from({ length: 10 }, (_, k) => fx.items[(i * 37 + k * 101) % fx.items.length]!)

/** Request bodies: users and their recent items vary, every request asks for CANDIDATES candidates. */
export function benchBodies(fx: FixtureStore, n = 256): string[] {
  return Array.from({ length: n }, (_, i) => {
    const recent = recentItems(fx, i)
    const req: RankRequestInput = {
      tenant: fx.tenant,
      surface: 'home_feed',
      subject: `u.${fx.users[i % fx.users.length]}`,
      recent_items: recent,
      session_items: recent.slice(0, 2),
      candidates: CANDIDATES,
      limit: 100,
    }
    return JSON.stringify(req)
  })
}
