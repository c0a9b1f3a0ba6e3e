import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { logKeys, type EventRecord } from '@recsys/shared'
import type { Interaction } from '@recsys/trainer/data/dataset'
import { pathInside } from '../fs/path-inside'
import type { EVENT_WEIGHTS } from '../pipeline/event-log'
import { movieLensFormat, readMovieLens } from '@recsys/trainer/data/movielens'

/**
 * `recsys events import --movielens`: MovieLens ratings as the edge's event log, so the batch pipeline reads an
 * imported dataset exactly like a real log (`readEventLog`).
 *
 * - A rating becomes one event at its timestamp, ingested then too (`event_time` = `ingestion_time` = `at`), so it
 *   lands in the `<tenant>/<date>/<hh>/` partition of the hour it was rated, as `event-import-<n>.ndjson`.
 * - Its type says how much the user liked the film (`ratingEventType`): 4 and up a conversion, 3 to 3.5 a click,
 *   below 3 a view. Every rating stays a positive interaction (the user watched the film); the type only scales it.
 * - Ids are the readers' (`u-<userId>`, `m-<movieId>`); `event_id` is `ml:<user>:<item>:<seconds>`. The same folder
 *   always gives the same files and event ids, so re-importing rewrites identical files and the reader's
 *   de-duplication by `event_id` makes overlapping imports harmless.
 */

/** Events per object: a busy hour is split into several. */
const PER_OBJECT = 5_000
/** The key id the imported events carry (no API key sent them). */
export const IMPORT_KEY_ID = 'import:movielens'

/** The event type of a MovieLens rating (0.5–5 stars). */
export function ratingEventType(rating: number): keyof typeof EVENT_WEIGHTS {
  return rating >= 4 ? 'conversion' : rating >= 3 ? 'click' : 'view'
}

/** The log records of the readers' interactions (`weight` = rating / 5). */
export function ratingEvents(tenant: string, ratings: Interaction[]): EventRecord[] {
  return ratings.map((x) => {
    const at = new Date(x.ts).toISOString()
    return {
      kind: 'event',
      tenant,
      at,
      event_id: `ml:${x.user_id}:${x.item_id}:${Math.floor(x.ts / 1000)}`,
      type: ratingEventType(Math.round(x.weight * 10) / 2),
      user_id: x.user_id,
      item_id: x.item_id,
      event_time: at,
      ingestion_time: at,
      key_id: IMPORT_KEY_ID,
    }
  })
}

export interface ImportReport {
  tenant: string
  format: 'ml-latest' | 'ml-100k'
  dir: string
  events: number
  objects: number
  hours: number
  by_type: Record<string, number>
  ms: number
}

/** Writes a MovieLens folder's ratings under `<out>/<tenant>/<date>/<hh>/event-import-<n>.ndjson`. */
export async function importMovieLensEvents(opts: {
  tenant: string
  movielens: string
  out: string
  progress?: (msg: string) => void
}): Promise<ImportReport> {
  const t0 = performance.now()
  const format = movieLensFormat(opts.movielens)
  const data = await readMovieLens(opts.movielens)
  opts.progress?.(`${data.interactions.length} ratings read (${format})`)
  const events = ratingEvents(opts.tenant, data.interactions)
  const byHour = new Map<string, EventRecord[]>()
  for (const e of events) {
    const hour = logKeys.hour(opts.tenant, e.at)
    const mine = byHour.get(hour) ?? []
    byHour.set(hour, mine)
    mine.push(e)
  }
  const report: ImportReport = {
    tenant: opts.tenant,
    format: format!,
    dir: path.resolve(opts.out),
    events: events.length,
    objects: 0,
    hours: byHour.size,
    by_type: {},
    ms: 0,
  }
  for (const e of events) report.by_type[e.type] = (report.by_type[e.type] ?? 0) + 1
  for (const [, hour] of byHour) {
    for (let n = 0; n * PER_OBJECT < hour.length; n++) {
      const chunk = hour.slice(n * PER_OBJECT, (n + 1) * PER_OBJECT)
      const key = logKeys.object(opts.tenant, 'event', chunk[0]!.at, `import-${n}`)
      const file = pathInside(opts.out, ...key.split('/'))
      await mkdir(path.dirname(file), { recursive: true })
      // Written beside, then renamed: an interrupted import never leaves a partial object under its final name.
      await writeFile(`${file}.part`, chunk.map((e) => JSON.stringify(e)).join('\n') + '\n')
      await rename(`${file}.part`, file)
      report.objects++
      if (report.objects % 1000 === 0) opts.progress?.(`${report.objects} objects written`)
    }
  }
  report.ms = Math.round(performance.now() - t0)
  opts.progress?.(`${report.objects} objects in ${report.hours} hours`)
  return report
}
