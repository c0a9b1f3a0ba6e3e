/** Plain-text rendering for people: aligned tables, key/value blocks, short times, hashes and sizes. */

export type Cell = string | number | boolean | null | undefined | Date | readonly unknown[]

/** A column: header, and how to read the cell from a row (a key, or a function). */
export type Column<R> = [header: string, get: keyof R | ((row: R) => Cell)]

/** Widest a cell may be before it is cut with an ellipsis (ids and hashes are shortened before this). */
const MAX_CELL = 60

/** One cell as text: `-` for nothing, dates as `YYYY-MM-DD HH:MM:SS` (UTC), lists comma-separated. */
export function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-'
  if (v instanceof Date) return time(v.toISOString())
  if (Array.isArray(v)) return v.length ? v.map(cell).join(',') : '-'
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (typeof v === 'object') return JSON.stringify(v)
  const s = String(v)
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) ? time(s) : s
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SS` (UTC). */
export const time = (iso: string) => iso.replace('T', ' ').replace(/(\.\d+)?(Z|[+-]00:?00)$/, '')

/** A SHA-256 cut to 12 hex characters (enough to refer to a version: `artifact show` takes ≥ 8). */
export const short = (sha: unknown) => (typeof sha === 'string' ? sha.slice(0, 12) : cell(sha))

export function bytes(n: unknown): string {
  if (typeof n !== 'number') return cell(n)
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}

const cut = (s: string) => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s)

/** Rows as an aligned table with upper-case headers; `empty` is printed instead when there are no rows. */
export function table<R>(rows: readonly R[], columns: Column<R>[], empty = '(none)'): string {
  if (rows.length === 0) return empty
  const grid = [
    columns.map(([h]) => h.toUpperCase()),
    ...rows.map((r) =>
      columns.map(([, get]) =>
        cut(cell(typeof get === 'function' ? get(r) : (r as Record<keyof R, unknown>)[get])),
      ),
    ),
  ]
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => line[i]!.length)))
  return grid
    .map((line) =>
      line
        .map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** `key: value` lines with the values aligned. */
export function kv(pairs: Array<[string, unknown]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 1
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w)} ${cell(v)}`).join('\n')
}

/** Indents every line of a block. */
export const indent = (text: string, by = '  ') => text.replace(/^/gm, by)
