import type { DuckDBConnection } from '@duckdb/node-api'
import { DAY_MS, type Interaction } from '@recsys/trainer/data/dataset'
import { doubles, loadInteractions, queryInteractions, withDuckDB } from './duckdb'
import type { Split } from '@recsys/trainer/data/split'

/**
 * The pipeline's aggregation in DuckDB: de-duplicated (user, item) pairs, the temporal train/validation split and
 * point-in-time item features. The semantics are those of split.ts (`dedupePairs`, `temporalSplit`, `leaveLastN`)
 * and popularity.ts (`decayedCounts`); aggregate.test.ts checks both give the same results on generated data.
 * @note Ids compare as bytes (UTF-8), which is JavaScript's `<` for the ASCII ids the contracts allow (`Id`).
 */

/** What an item looked like at a point in time: only interactions strictly before it count. */
export interface ItemFeatures {
  item_id: string
  /** Interactions (not de-duplicated: repeats are engagement). */
  interactions: number
  /** Distinct users. */
  users: number
  /** Σ weight × 2^(−age / half-life), age from the point in time (popularity.ts `decayedCounts`). */
  decayed: number
  /** ms since epoch of its first interaction. */
  first_seen: number
}

/** A global split holding out the last `holdout` share by time, or each user's last `leaveLastN` items. */
export type SplitSpec = { holdout: number } | { leaveLastN: number }

export interface Aggregates {
  /** Distinct (user, item) pairs. */
  pairs: number
  split: Split
  /** The point in time of `features`: the split's cutoff, or after the last interaction for per-user splits. */
  featuresAt: number
  features: ItemFeatures[]
}

const PAIRS = `SELECT user_id, item_id, min(ts) AS ts, max(weight) AS weight FROM interactions GROUP BY user_id, item_id`
const ORDER = `ORDER BY ts, user_id, item_id`

/** DuckDB over one set of interactions (table `interactions`, view `pairs`). Close it when done. */
export class InteractionAggregates {
  private constructor(private readonly c: DuckDBConnection) {}

  /** Loads the interactions into a table, then runs `fn` on it; DuckDB is closed afterwards. */
  static async use<T>(
    interactions: Iterable<Interaction>,
    fn: (agg: InteractionAggregates) => Promise<T>,
  ): Promise<T> {
    return withDuckDB(async (c) => {
      await loadInteractions(c, 'interactions', interactions)
      await c.run(`CREATE VIEW pairs AS ${PAIRS}`)
      return fn(new InteractionAggregates(c))
    })
  }

  /** `dedupePairs`: one row per (user, item), first time, strongest weight, in time order (ties by user, item). */
  pairs(): Promise<Interaction[]> {
    return queryInteractions(this.c, `SELECT * FROM pairs ${ORDER}`)
  }

  /** `temporalSplit`: the last `holdout` share of pairs by time is held out; pairs at the cutoff all go to test. */
  async temporalSplit({ holdout = 0.1 }: { holdout?: number } = {}): Promise<Split> {
    if (!(holdout > 0 && holdout < 1))
      throw new RangeError(`holdout must be in (0, 1), got ${holdout}`)
    // The cutoff is the timestamp of the pair at index min(n − 1, ⌊n × (1 − holdout)⌋) in time order, as in split.ts
    // (IEEE doubles on both sides, so the index is the same).
    const r = await this.c.runAndReadAll(
      `WITH n AS (SELECT count(*) AS n FROM pairs),
       ranked AS (SELECT ts, row_number() OVER (${ORDER}) - 1 AS k FROM pairs)
       SELECT ts FROM ranked, n WHERE k = least(n.n - 1, floor(n.n * (1 - $holdout)))`,
      ...doubles({ holdout }),
    )
    const cutoff = r.getRowsJS()[0]?.[0] as number | undefined
    if (cutoff === undefined) return { train: [], test: [] }
    const side = (op: string) =>
      queryInteractions(this.c, `SELECT * FROM pairs WHERE ts ${op} $cutoff ${ORDER}`, { cutoff })
    return { train: await side('<'), test: await side('>='), cutoff }
  }

  /** `leaveLastN`: each user's `n` latest pairs are held out; users with `n` or fewer stay whole in train. */
  async leaveLastN({ n = 1 }: { n?: number } = {}): Promise<Split> {
    if (!(Number.isInteger(n) && n >= 1))
      throw new RangeError(`n must be a positive integer, got ${n}`)
    await this.c.run(
      `CREATE OR REPLACE TEMP TABLE held AS
       SELECT *, count(*) OVER (PARTITION BY user_id) > ${n}
         AND row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, item_id DESC) <= ${n} AS test
       FROM pairs`,
    )
    const side = (test: boolean) =>
      queryInteractions(
        this.c,
        `SELECT user_id, item_id, ts, weight FROM held WHERE test = ${test} ${ORDER}`,
      )
    return { train: await side(false), test: await side(true) }
  }

  /** Item features from the interactions strictly before `at` (nothing from the future leaks into training). */
  async itemFeatures({
    at,
    halfLifeDays = 7,
  }: {
    at: number
    halfLifeDays?: number
  }): Promise<ItemFeatures[]> {
    if (!Number.isFinite(at)) throw new RangeError(`at must be a finite time, got ${at}`)
    if (!(halfLifeDays > 0))
      throw new RangeError(`halfLifeDays must be positive, got ${halfLifeDays}`)
    const r = await this.c.runAndReadAll(
      `SELECT item_id, count(*)::INTEGER AS interactions, count(DISTINCT user_id)::INTEGER AS users,
         sum(weight * pow(2, -($at - ts) / $scale)) AS decayed, min(ts) AS first_seen
       FROM interactions WHERE ts < $at GROUP BY item_id ORDER BY item_id`,
      ...doubles({ at, scale: halfLifeDays * DAY_MS }),
    )
    return r.getRowObjectsJS() as unknown as ItemFeatures[]
  }

  /** The last interaction's time, or undefined when there are none. */
  async lastTs(): Promise<number | undefined> {
    const r = await this.c.runAndReadAll(`SELECT max(ts) FROM interactions`)
    return (r.getRowsJS()[0]?.[0] as number | null) ?? undefined
  }
}

/**
 * The pipeline's call: pairs, the split and point-in-time item features in one DuckDB session.
 * @note Per-user splits have no single point in time; their features are taken after the last interaction, so they
 * describe the whole log (use a global split when features must not see the held-out period).
 */
export async function aggregateInteractions(
  interactions: Iterable<Interaction>,
  { split = { holdout: 0.1 }, halfLifeDays = 7 }: { split?: SplitSpec; halfLifeDays?: number } = {},
): Promise<Aggregates> {
  return InteractionAggregates.use(interactions, async (agg) => {
    const s =
      'holdout' in split
        ? await agg.temporalSplit({ holdout: split.holdout })
        : await agg.leaveLastN({ n: split.leaveLastN })
    const featuresAt = s.cutoff ?? ((await agg.lastTs()) ?? 0) + 1
    return {
      pairs: s.train.length + s.test.length,
      split: s,
      featuresAt,
      features: await agg.itemFeatures({ at: featuresAt, halfLifeDays }),
    }
  })
}
