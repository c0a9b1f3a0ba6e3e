import { seededRandom } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { SYNTHETIC_START, syntheticDataset } from '../data/synthetic'
import { randomSplit } from '../data/split'
import { tuneAls } from './tune-als'

describe('tuneAls', () => {
  const data = syntheticDataset({ seed: 5, start: SYNTHETIC_START, items: 150, users: 80 })
  // 4 tastes of 12 items each, equally popular: user n takes 8 items of taste n % 4. Only a model that learns
  // the tastes ranks well; popularity-like scores are no better than chance here.
  const r = seededRandom(3)
  const tastes = Array.from({ length: 80 }, (_, n) =>
    Array.from({ length: 12 }, (_, i) => `t${n % 4}-${i}`)
      .sort(() => r() - 0.5)
      .slice(0, 8)
      .map((item_id, k) => ({ user_id: `u${n}`, item_id, ts: k, weight: 1 })),
  ).flat()

  it('scores every setting on a validation split of train only, and keeps the best', () => {
    const outer = randomSplit(tastes, { seed: 42 })
    const grid = [
      { factors: 8, iterations: 8, alpha: 10, reg: 0.1 },
      // One factor cannot hold 4 tastes apart: it must lose.
      { factors: 1, iterations: 8, alpha: 10, reg: 0.1 },
    ]
    const s = tuneAls(outer.train, outer, { grid })
    expect(s.trials.map((t) => t.params)).toEqual(grid)
    expect(s.users).toBe(80)
    expect(s.trials[0]!.ndcg_at_10).toBeGreaterThan(s.trials[1]!.ndcg_at_10)
    expect(s.best).toEqual(grid[0])
    // Deterministic: the same data and seed pick the same figures.
    expect(tuneAls(outer.train, outer, { grid }).trials.map((t) => t.ndcg_at_10)).toEqual(
      s.trials.map((t) => t.ndcg_at_10),
    )
  })

  it('never reads the outer held-out side: emptying it leaves the search unchanged', () => {
    const outer = randomSplit(data.interactions, { seed: 42 })
    const grid = [{ factors: 4, iterations: 3 }]
    const a = tuneAls(outer.train, outer, { grid })
    const b = tuneAls(outer.train, { ...outer, test: [] }, { grid })
    const figures = (x: typeof a) =>
      x.trials.map(({ params, ndcg_at_10 }) => ({ params, ndcg_at_10 }))
    expect(figures(b)).toEqual(figures(a))
    expect(b.users).toBe(a.users)
    expect(() => tuneAls(outer.train, outer, { grid: [] })).toThrow(RangeError)
  })
})
