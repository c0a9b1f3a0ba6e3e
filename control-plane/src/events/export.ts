import { createWriteStream } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { logKeys } from '@recsys/shared'
import { pathInside } from '../fs/path-inside'
import type { LogReader } from './log-reader'

const HOUR_MS = 3_600_000
/** Objects downloaded at once. */
const CONCURRENCY = 8

export interface ExportReport {
  tenant: string
  since: string
  until: string
  dir: string
  /** Objects in the range, written now, and already there with the same size (a re-export skips them). */
  objects: number
  written: number
  skipped: number
  bytes: number
  /** Records in the objects written now, by kind (`event`, `decision`, `deletion`). */
  records: Record<string, number>
  ms: number
}

/**
 * Copies a tenant's log objects whose hour overlaps [since, until] to `<dir>/<tenant>/<date>/<hour>/<object>`
 * (the bucket's own layout), for the batch pipeline. Lists one day prefix at a time. Objects are immutable once
 * acknowledged (a redelivered message rewrites the same bytes), so a file already there with the same size is kept.
 */
export async function exportLog(opts: {
  reader: LogReader
  tenant: string
  since: Date
  until?: Date
  dir: string
  progress?: (msg: string) => void
}): Promise<ExportReport> {
  const t0 = performance.now()
  const until = opts.until ?? new Date()
  const first = Math.floor(opts.since.getTime() / HOUR_MS) * HOUR_MS
  const last = Math.floor(until.getTime() / HOUR_MS) * HOUR_MS
  const hours = new Set<string>()
  for (let h = first; h <= last; h += HOUR_MS) hours.add(logKeys.hour(opts.tenant, h))
  const days = [...new Set([...hours].map((h) => h.split('/').slice(0, 2).join('/') + '/'))]

  const objects: Array<{ key: string; size: number }> = []
  for (const day of days) {
    let cursor: string | undefined
    do {
      const page = await opts.reader.list(day, cursor)
      for (const o of page.objects) {
        const hour = o.key.split('/').slice(0, 3).join('/') + '/'
        if (hours.has(hour)) objects.push(o)
      }
      cursor = page.cursor ?? undefined
    } while (cursor)
  }
  opts.progress?.(`${objects.length} objects in ${hours.size} hours of ${opts.tenant}`)

  const report: ExportReport = {
    tenant: opts.tenant,
    since: new Date(first).toISOString(),
    until: until.toISOString(),
    dir: path.resolve(opts.dir),
    objects: objects.length,
    written: 0,
    skipped: 0,
    bytes: 0,
    records: {},
    ms: 0,
  }
  let next = 0
  const worker = async () => {
    while (next < objects.length) {
      const o = objects[next++]!
      // Keys come from the bucket's listing: one that would lead out of the folder throws.
      const file = pathInside(opts.dir, ...o.key.split('/'))
      if ((await stat(file).catch(() => undefined))?.size === o.size) {
        report.skipped++
        continue
      }
      const bytes = await opts.reader.get(o.key)
      await mkdir(path.dirname(file), { recursive: true })
      // Written beside, then renamed: an interrupted export never leaves a partial file under the final name.
      const tmp = `${file}.part`
      await new Promise<void>((resolve, reject) => {
        const ws = createWriteStream(tmp)
        ws.on('error', reject)
        ws.end(bytes, () => resolve())
      })
      await rename(tmp, file)
      report.written++
      report.bytes += bytes.byteLength
      for (const m of Buffer.from(bytes)
        .toString('utf8')
        .matchAll(/^\{"kind":"(\w+)"/gm))
        report.records[m[1]!] = (report.records[m[1]!] ?? 0) + 1
      const done = report.written + report.skipped
      if (done % 100 === 0) opts.progress?.(`${done}/${objects.length} objects`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  report.ms = Math.round(performance.now() - t0)
  opts.progress?.(`${report.written} written, ${report.skipped} already there`)
  return report
}
