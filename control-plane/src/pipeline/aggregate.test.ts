import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { aggregateInteractions, InteractionAggregates } from './aggregate'
import type { Interaction } from '@recsys/trainer/data/dataset'
import { decayedCounts } from '@recsys/trainer/recommenders/popularity'
import { dedupePairs, leaveLastN, temporalSplit } from '@recsys/trainer/data/split'

/**
 * DuckDB (aggregate.ts) against the TypeScript reference (split.ts, popularity.ts) on generated interactions: few
 * users, items and timestamps so that repeats, ties at the cutoff and per-user ties are common.
 */
const interaction: fc.Arbitrary<Interaction> = fc.record({
  user_id: fc.constantFrom('u1', 'u2', 'u3', 'u10', 'U-4', 'u.5'),
  item_id: fc.constantFrom('a', 'b', 'B', 'c', 'i-10', 'i-9', 'z~1'),
  ts: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_000 + 20 }),
  weight: fc.constantFrom(0.2, 0.6, 1, 2, 3),
})
const interactions = fc.array(interaction, { maxLength: 60 })
const RUNS = { numRuns: 40 }

describe('DuckDB aggregation equals split.ts', () => {
  it('pairs, temporal split and leave-last-n', async () => {
    await fc.assert(
      fc.asyncProperty(
        interactions,
        fc.constantFrom(0.05, 0.1, 0.2, 0.5, 0.9),
        fc.integer({ min: 1, max: 3 }),
        async (xs, holdout, n) => {
          await InteractionAggregates.use(xs, async (agg) => {
            expect(await agg.pairs()).toEqual(dedupePairs(xs))
            expect(await agg.temporalSplit({ holdout })).toEqual(temporalSplit(xs, { holdout }))
            expect(await agg.leaveLastN({ n })).toEqual(leaveLastN(xs, { n }))
          })
        },
      ),
      RUNS,
    )
  })

  it('point-in-time item features see only interactions before the cutoff', async () => {
    await fc.assert(
      fc.asyncProperty(interactions, fc.integer({ min: 0, max: 22 }), async (xs, offset) => {
        const at = 1_700_000_000_000 + offset
        const before = xs.filter((x) => x.ts < at)
        const decayed = decayedCounts(before, { now: at, halfLifeDays: 1e-7 })
        await InteractionAggregates.use(xs, async (agg) => {
          const f = await agg.itemFeatures({ at, halfLifeDays: 1e-7 })
          expect(f.map((r) => r.item_id)).toEqual([...decayed.keys()].sort())
          for (const r of f) {
            const mine = before.filter((x) => x.item_id === r.item_id)
            expect(r.interactions).toBe(mine.length)
            expect(r.users).toBe(new Set(mine.map((x) => x.user_id)).size)
            expect(r.first_seen).toBe(Math.min(...mine.map((x) => x.ts)))
            expect(r.decayed).toBeCloseTo(decayed.get(r.item_id)!, 9)
          }
        })
      }),
      RUNS,
    )
  })

  it('aggregateInteractions: features at the cutoff of a global split; validates its arguments', async () => {
    const xs: Interaction[] = Array.from({ length: 10 }, (_, i) => ({
      user_id: `u${i % 2}`,
      item_id: `i${i % 7}`,
      ts: i * 1000,
      weight: 1,
    }))
    const g = await aggregateInteractions(xs, { split: { holdout: 0.2 } })
    expect(g.featuresAt).toBe(8000)
    expect(g.split).toEqual(temporalSplit(xs, { holdout: 0.2 }))
    expect(g.pairs).toBe(dedupePairs(xs).length)
    expect(Math.max(...g.features.map((f) => f.first_seen))).toBeLessThan(8000)
    const p = await aggregateInteractions(xs, { split: { leaveLastN: 1 } })
    expect(p.split).toEqual(leaveLastN(xs, { n: 1 }))
    expect(p.featuresAt).toBe(9001)
    expect(await aggregateInteractions([])).toMatchObject({ pairs: 0, split: { train: [] } })
    await expect(aggregateInteractions(xs, { split: { holdout: 1 } })).rejects.toThrow(RangeError)
    await expect(aggregateInteractions(xs, { split: { leaveLastN: 0 } })).rejects.toThrow(
      RangeError,
    )
  })
})
