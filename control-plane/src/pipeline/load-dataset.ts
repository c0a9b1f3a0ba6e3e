import { realpath } from 'node:fs/promises'
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

/**
 * Checks that the folder of a `movielens:<dir>` or `log:<dir>` dataset lies under one of `roots`, and returns the
 * dataset with that folder as an absolute real path (`synthetic` passes as is). Relative folders resolve against
 * the working directory; `..` segments and symbolic links are resolved before the check, so neither leads out of a
 * root. A folder that does not exist is checked through its nearest existing parent (reading it then fails with
 * its own message).
 * @note The operator API calls this before a run: the folder names a directory of the control plane's machine.
 */
export async function confineDataset(
  dataset: string,
  roots: readonly string[],
): Promise<Result<string, string>> {
  const prefix = ['movielens:', 'log:'].find((p) => dataset.startsWith(p))
  if (!prefix) return ok(dataset)
  const dir = await realOrResolved(dataset.slice(prefix.length))
  const real = await Promise.all(roots.map(realOrResolved))
  const inside = real.some((root) => {
    const rel = path.relative(root, dir)
    return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
  })
  if (!inside)
    return err(
      roots.length === 0
        ? `${prefix}<dir> datasets are off: no dataset root is configured (RECSYS_DATASET_ROOTS)`
        : `${prefix}${dir} is outside the dataset roots (${roots.join(', ')}); ` +
            'the control plane reads datasets only under RECSYS_DATASET_ROOTS',
    )
  return ok(`${prefix}${dir}`)
}

/**
 * The real path of `p` (links resolved); for a path that does not exist, the real path of its nearest existing
 * ancestor with the rest appended, so a link higher up is still followed.
 */
async function realOrResolved(p: string): Promise<string> {
  const abs = path.resolve(p)
  let head = abs
  const tail: string[] = []
  for (;;) {
    const real = await realpath(head).catch(() => undefined)
    if (real !== undefined) return path.join(real, ...tail)
    const up = path.dirname(head)
    if (up === head) return abs
    tail.unshift(path.basename(head))
    head = up
  }
}
