import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Dataset, Interaction } from '../data/dataset'
import { evaluate } from './evaluate'
import { readMovieLensLatest } from '../data/movielens'
import { leaveLastN, randomSplit } from '../data/split'

const item = (item_id: string) => ({
  item_id,
  title: item_id,
  categories: [],
  published_at: 0,
  available: true,
  min_age: 0,
  safe: true,
  sponsored: false,
})

describe('evaluate', () => {
  it('scores each model on held-out items, never recommending train items', async () => {
    // Two tastes: {a, b, c} and {x, y, z}. Everyone's last item is held out; 'p' is popular with nobody's taste.
    const xs: Interaction[] = []
    let ts = 0
    const touch = (u: string, items: string) => {
      for (const i of items) xs.push({ user_id: u, item_id: i, ts: ts++, weight: 1 })
    }
    // Rotated orders, so each held-out item is in two other users' train sets.
    touch('u1', 'pabc')
    touch('u2', 'pbca')
    touch('u3', 'pcab')
    touch('v1', 'pxyz')
    touch('v2', 'pyzx')
    touch('v3', 'pzxy')
    touch('w', 'p')
    const data: Dataset = {
      items: [...'pabcxyz'].map(item),
      users: [],
      interactions: xs,
    }
    const report = await evaluate(data, leaveLastN(xs, { n: 1 }), {
      als: { factors: 2, iterations: 10, seed: 1 },
    })
    // w has one item only, so leave-last-1 keeps it whole in train; six users have one item held out.
    expect(report.users_evaluated).toBe(6)
    expect(report.users_without_train).toBe(0)
    // Each user's candidates are the 4 items outside their train set, the held-out one among them.
    for (const m of Object.values(report.models)) expect(m.recall_at_10).toBe(1)
    // Popularity: the 4 candidates tie at 2 train users each, so ids decide: the v users' held-out item
    // (x, y or z) comes after a, b and c. Item-to-item and ALS put the same-taste item first.
    expect(report.models.popularity!.ndcg_at_10).toBeLessThan(1)
    expect(report.models.item2item!.ndcg_at_10).toBe(1)
    expect(report.models.als!.ndcg_at_10).toBe(1)
    // EASE and item-kNN: the held-out item co-occurs with both other items of the taste, the rest with 'p' only.
    expect(report.models.ease!.ndcg_at_10).toBe(1)
    expect(report.models.knn!.ndcg_at_10).toBe(1)
    expect(report.skipped).toEqual({})
    expect(report.models.popularity!.cold_start.users).toBe(6)
    // One hit in a top 10 for every user; the lists hold items of one taste (categories below) or the other.
    for (const m of Object.values(report.models)) expect(m.precision_at_10).toBe(0.1)
  })

  it('reports precision, diversity and novelty from the lists, and leaves out what it is told to', async () => {
    const x = (user_id: string, item_id: string): Interaction => ({
      user_id,
      item_id,
      ts: 0,
      weight: 1,
    })
    const train = [x('u1', 'a'), x('u2', 'a'), x('u2', 'b'), x('u3', 'a'), x('u3', 'c')]
    train.push(x('u4', 'b'), x('u4', 'd'))
    const test = [x('u1', 'b'), x('u2', 'c'), x('u3', 'd'), x('u4', 'a')]
    const cat = (id: string, categories: string[]) => ({ ...item(id), categories })
    const data: Dataset = {
      items: [cat('a', ['x']), cat('b', ['x']), cat('c', ['x', 'y']), cat('d', [])],
      users: [],
      interactions: [...train, ...test],
    }
    const r = await evaluate(data, { train, test }, { only: ['popularity'] })
    expect(Object.keys(r.models)).toEqual(['popularity'])
    // Train users per item: a 3, b 2, c 1, d 1 (of 4). Popularity's lists, the user's train items left out:
    // u1 [b, c, d], u2 [c, d], u3 [b, d], u4 [a, c]; each has its held-out item in it once.
    const m = r.models.popularity!
    expect(m.precision_at_10).toBe(0.1)
    // Category distances: b–c 1/2, a–c 1/2, any pair with d (no categories) 1.
    expect(m.diversity_at_10).toBeCloseTo((2.5 / 3 + 1 + 1 + 0.5) / 4, 4)
    // Self-information −log2(users / 4): a 0.415, b 1, c 2, d 2.
    const bits = (n: number) => -Math.log2(n / 4)
    const novelty = [
      (bits(2) + bits(1) + bits(1)) / 3,
      bits(1),
      (bits(2) + bits(1)) / 2,
      (bits(3) + bits(1)) / 2,
    ]
    expect(m.novelty_at_10).toBeCloseTo(novelty.reduce((a, b) => a + b) / 4, 4)
    const all = await evaluate(data, { train, test }, { ease: false, knn: false })
    expect(all.skipped).toEqual({ ease: 'turned off', knn: 'turned off' })
    expect(all.models.ease).toBeUndefined()
  })
})

const dir = join(
  process.env.RECSYS_DATASETS_DIR ?? join(import.meta.dirname, '../../../../shared/datasets'),
  'ml-latest-small',
)

describe.skipIf(!existsSync(join(dir, 'ratings.csv')))(
  'evaluate on ml-latest-small (needs the MovieLens dataset in shared/datasets)',
  () => {
    // Leave-last-5 only: a global temporal split holds out the last 10 % of the log, which on ml-latest-small is 27
    // users' ratings (too few to rank models on) and cost as much again; temporalSplit is tested in split.test.ts.
    it('reports popularity, ALS and the ranker on leave-last-5; the ranker is at least ALS and 1.5× popularity', async () => {
      const data = await readMovieLensLatest(dir)
      // EASE and item-kNN are scored on the random split below.
      const options = {
        als: { factors: 32, iterations: 10, seed: 42 },
        ease: false,
        knn: false,
      } as const
      const perUser = await evaluate(data, leaveLastN(data.interactions, { n: 5 }), options)
      console.log(JSON.stringify({ leaveLast5: perUser }, null, 1))
      expect(data.items).toHaveLength(9742)
      expect(data.interactions).toHaveLength(100_836)
      // Every ml-latest-small user has at least 20 ratings, so leave-last-5 scores all 610 of them.
      expect(perUser.users_evaluated).toBe(610)
      expect(perUser.dataset.test).toBe(610 * 5)
      // ALS beats popularity on NDCG@10 (seed 42). Item-to-item does not (within 0.001 of popularity, below it), so
      // that is printed above, not asserted.
      expect(perUser.models.als!.ndcg_at_10).toBeGreaterThan(perUser.models.popularity!.ndcg_at_10)
      // The trained ranker: at least ALS, and 1.5× popularity. Seed 42 gives 0.0635 against ALS 0.0508 and
      // popularity 0.033.
      expect(perUser.models.ranker!.ndcg_at_10).toBeGreaterThanOrEqual(
        perUser.models.als!.ndcg_at_10,
      )
      expect(perUser.models.ranker!.ndcg_at_10).toBeGreaterThanOrEqual(
        1.5 * perUser.models.popularity!.ndcg_at_10,
      )
    }, 300_000)

    it('random 75/25 split, seed 42: the reference row counts, popularity and EASE near their reference NDCG@10', async () => {
      const data = await readMovieLensLatest(dir)
      const split = randomSplit(data.interactions, { ratio: 0.75, seed: 42 })
      // The counts do not depend on the generator: Σ roundHalfEven(0.75 n) over the users.
      expect(split.train).toHaveLength(75_630)
      expect(split.test).toHaveLength(25_206)
      const r = await evaluate(data, split, { only: ['popularity', 'ease'] })
      console.log(JSON.stringify({ random: r }, null, 1))
      expect(r.users_evaluated).toBe(610)
      // Reference (numpy, another generator): popularity 0.207, EASE λ 100–300 0.399. Seed 42 here gives 0.2151
      // and 0.3983 (λ 200, items with at least 2 train users); the bands allow another row assignment.
      expect(r.models.popularity!.ndcg_at_10).toBeGreaterThan(0.19)
      expect(r.models.popularity!.ndcg_at_10).toBeLessThan(0.23)
      expect(r.models.ease!.ndcg_at_10).toBeGreaterThan(0.38)
      expect(r.models.ease!.ndcg_at_10).toBeLessThan(0.42)
    }, 300_000)
  },
)
