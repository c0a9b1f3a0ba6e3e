import { err, ok, type Result } from '@recsys/shared'
import { asc, eq } from 'drizzle-orm'
import type { Database } from '../db/client'
import { catalogItems } from '../db/schema/index'
import type { Dataset, DatasetItem } from '@recsys/trainer/data/dataset'
import { readEventLog, type EventLogStats } from './event-log'

export interface LogDataset {
  data: Dataset
  /** What the log reader saw, plus the interactions left out because their item is not in the catalog. */
  stats: EventLogStats & { unknown_item_interactions: number }
  /** The last interaction's time: the reference of decays. */
  now: number
}

/**
 * The pipeline's `log:<dir>` dataset: interactions from the tenant's event log under `dir` (`readEventLog`) and
 * items from its catalog in the control-plane database.
 * @note Users all get cluster 0 (segment `cluster-0`), as with MovieLens: the log carries no taste clusters, and
 * deriving them belongs to the embedding step. Interactions with items outside the catalog are left out (counted):
 * the pipeline only recommends catalog items. A catalog item without `published_at` gets its first interaction's
 * time, or the log's first when nobody touched it.
 */
export async function readLogDataset(
  db: Database,
  opts: { dir: string; tenant: string; progress?: (msg: string) => void },
): Promise<Result<LogDataset, { code: 'BAD_REQUEST'; message: string }>> {
  const rows = await db
    .select()
    .from(catalogItems)
    .where(eq(catalogItems.tenant_id, opts.tenant))
    .orderBy(asc(catalogItems.item_id))
  if (rows.length === 0)
    return err({
      code: 'BAD_REQUEST',
      message: `the catalog of ${opts.tenant} is empty: import it first (recsys catalog import)`,
    })
  const log = await readEventLog(opts)
  const known = new Set(rows.map((r) => r.item_id))
  const interactions = log.interactions.filter((x) => known.has(x.item_id))
  if (interactions.length === 0)
    return err({
      code: 'BAD_REQUEST',
      message:
        `no interactions of ${opts.tenant} with catalog items in the log under ${opts.dir} ` +
        `(${log.stats.objects} objects, ${log.stats.interactions} interactions read): ` +
        `recsys events export or recsys events import writes one`,
    })
  const first = new Map<string, number>()
  const users = new Set<string>()
  let now = -Infinity
  for (const x of interactions) {
    if (!first.has(x.item_id)) first.set(x.item_id, x.ts) // interactions are in time order
    users.add(x.user_id)
    if (x.ts > now) now = x.ts
  }
  const start = interactions[0]!.ts
  const items: DatasetItem[] = rows.map((r) => ({
    item_id: r.item_id,
    title: r.title ?? '',
    categories: r.categories,
    published_at: r.published_at?.getTime() ?? first.get(r.item_id) ?? start,
    available: r.available,
    min_age: r.min_age,
    safe: r.safe,
    sponsored: r.sponsored,
  }))
  return ok({
    data: {
      items,
      users: [...users].sort().map((user_id) => ({ user_id, cluster: 0 })),
      interactions,
    },
    stats: {
      ...log.stats,
      unknown_item_interactions: log.interactions.length - interactions.length,
    },
    now,
  })
}
