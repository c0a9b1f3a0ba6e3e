import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Dataset, Interaction } from '../data/dataset'
import { evaluate } from './evaluate'
import { readMovieLensLatest } from '../data/movielens'
import { leaveLastN, temporalSplit } from '../data/split'

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
  it('scores each model on held-out items, never recommending train items', () => {
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
    const report = evaluate(data, leaveLastN(xs, { n: 1 }), {
      als: { factors: 2, iterations: 10, seed: 1 },
    })
    // w has one item only, so leave-last-1 keeps it whole in train; six users have one item held out.
    expect(report.users_evaluated).toBe(6)
    expect(report.users_without_train).toBe(0)
    // Each user's candidates are the 4 items outside their train set, the held-out one among them.
    for (const m of Object.values(report.models)) expect(m.recall_at_10).toBe(1)
    // Popularity: the 4 candidates tie at 2 train users each, so ids decide: the v users' held-out item
    // (x, y or z) comes after a, b and c. Item-to-item and ALS put the same-taste item first.
    expect(report.models.popularity.ndcg_at_10).toBeLessThan(1)
    expect(report.models.item2item.ndcg_at_10).toBe(1)
    expect(report.models.als.ndcg_at_10).toBe(1)
    expect(report.models.popularity.cold_start.users).toBe(6)
  })
})

const dir = join(
  process.env.RECSYS_DATASETS_DIR ?? join(import.meta.dirname, '../../../../shared/datasets'),
  'ml-latest-small',
)

describe.skipIf(!existsSync(join(dir, 'ratings.csv')))(
  'evaluate on ml-latest-small (needs the MovieLens dataset in shared/datasets)',
  () => {
    it('reports the four models on a global temporal split (last 10 %) and on leave-last-5', async () => {
      const data = await readMovieLensLatest(dir)
      const options = { als: { factors: 32, iterations: 10, seed: 42 } }
      const report = evaluate(data, temporalSplit(data.interactions, { holdout: 0.1 }), options)
      const perUser = evaluate(data, leaveLastN(data.interactions, { n: 5 }), options)
      console.log(JSON.stringify({ temporal: report, leaveLast5: perUser }, null, 1))
      expect(data.items).toHaveLength(9742)
      expect(data.interactions).toHaveLength(100_836)
      expect(report.dataset.train + report.dataset.test).toBe(100_836)
      expect(report.users_evaluated).toBeGreaterThan(0)
      // Every ml-latest-small user has at least 20 ratings, so leave-last-5 scores all 610 of them.
      expect(perUser.users_evaluated).toBe(610)
      expect(perUser.dataset.test).toBe(610 * 5)
      // ALS beats popularity on NDCG@10 on both splits (seed 42). Item-to-item does not (it is within 0.001 of
      // popularity on both, below it), so that is printed above, not asserted.
      expect(report.models.als.ndcg_at_10).toBeGreaterThan(report.models.popularity.ndcg_at_10)
      expect(perUser.models.als.ndcg_at_10).toBeGreaterThan(perUser.models.popularity.ndcg_at_10)
      // The trained ranker (issue 6's goal, leave-last-5): at least ALS, and 1.5× popularity. Seed 42 gives 0.0635
      // against ALS 0.0508 and popularity 0.033. On the temporal split (27 users) it is ahead of popularity.
      expect(perUser.models.ranker!.ndcg_at_10).toBeGreaterThanOrEqual(
        perUser.models.als.ndcg_at_10,
      )
      expect(perUser.models.ranker!.ndcg_at_10).toBeGreaterThanOrEqual(
        1.5 * perUser.models.popularity.ndcg_at_10,
      )
      expect(report.models.ranker!.ndcg_at_10).toBeGreaterThan(report.models.popularity.ndcg_at_10)
    }, 120_000)
  },
)
