import path from 'node:path'
import { err, ok, type Result } from '@recsys/shared'
import type { Database } from '../db/client'
import type { Dataset } from '@recsys/trainer/data/dataset'
import { readLogDataset } from './log-dataset'
import { movieLensFormat, readMovieLens } from '@recsys/trainer/data/movielens'
import type { PipelineInput } from './run'
import { SYNTHETIC_START, syntheticDataset } from '@recsys/trainer/data/synthetic'

/**
 * The dataset of a run, its name in reports and lineage, and the reference time of decays (the synthetic clock, or
 * a MovieLens dataset's or the log's last interaction).
 */
export async function loadDataset(
  input: Pick<PipelineInput, 'dataset' | 'items' | 'users' | 'interactions_per_user' | 'tenant'>,
  seed: number,
  say: (msg: string) => void,
  db: Database,
): Promise<
  Result<
    { data: Dataset; name: string; now: number; fromCatalog?: boolean },
    { code: string; message: string }
  >
> {
  if (input.dataset === 'synthetic') {
    say(`generating the synthetic dataset (seed ${seed})`)
    const data = syntheticDataset({
      seed,
      start: SYNTHETIC_START,
      items: input.items,
      users: input.users,
      interactionsPerUser: input.interactions_per_user,
    })
    return ok({ data, name: 'synthetic', now: SYNTHETIC_START })
  }
  if (input.dataset.startsWith('log:')) {
    const dir = path.resolve(input.dataset.slice('log:'.length))
    say(`reading the event log of ${input.tenant} under ${dir}`)
    const r = await readLogDataset(db, { dir, tenant: input.tenant, progress: say })
    if (!r.ok) return r
    const s = r.value.stats
    say(
      `log: ${s.objects} objects, ${s.duplicates} duplicate events, ${s.deleted_user_events} events of deleted ` +
        `users, ${s.malformed} malformed lines, ${s.unknown_item_interactions} interactions with unknown items`,
    )
    return ok({
      data: r.value.data,
      name: `log:${path.basename(dir)}`,
      now: r.value.now,
      fromCatalog: true,
    })
  }
  const dir = path.resolve(input.dataset.slice('movielens:'.length))
  say(`reading MovieLens (${movieLensFormat(dir) ?? 'unknown format'}) from ${dir}`)
  try {
    const data = await readMovieLens(dir)
    let now = 0
    for (const x of data.interactions) if (x.ts > now) now = x.ts
    return ok({ data, name: `movielens:${path.basename(dir)}`, now })
  } catch (e) {
    return err({ code: 'BAD_REQUEST', message: (e as Error).message })
  }
}
