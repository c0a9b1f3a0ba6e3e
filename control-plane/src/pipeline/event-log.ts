import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { EVENT_TYPES } from '@recsys/shared'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { Interaction } from '@recsys/trainer/data/dataset'
import { queryInteractions, sqlString, withDuckDB } from './duckdb'

/**
 * Reads one tenant's event log as the edge writes it (`<dir>/<tenant>/<date>/<hh>/*.ndjson`, `logKeys`; locally the
 * output of `recsys events export` or `recsys events import`) into implicit feedback, with DuckDB.
 *
 * - Lines are parsed with an explicit schema (`json_transform`), so events, decisions and deletions share one table.
 *   A line that is not a JSON object, or an event or deletion missing a field, with a bad time (an event_time more
 *   than 24 h after its ingestion included) or another tenant, is counted as malformed and skipped: one bad line
 *   never stops the run.
 * - Events are de-duplicated by `event_id` (the first ingested wins): the queue delivers at least once.
 * - A deletion record drops every event of its user ingested at or before its `at`; later events are kept.
 * - `view`, `click` and `conversion` become interactions weighted by `EVENT_WEIGHTS` at `event_time`; `hide`s are
 *   returned apart as a negative signal; impressions are only counted.
 * @note `read_ndjson(ignore_errors)` would skip bad lines without saying how many, so files are read here, split
 * into lines and parsed in SQL. Not with `read_text`: one byte that is not UTF-8 makes it fail the whole run, where
 * here only that line is lost (appended as NULL, so counted as malformed).
 */

/** An event's `type` (`EventType` of the contracts). */
export type EventTypeName = (typeof EVENT_TYPES)[number]

/** Implicit-feedback weight of each positive event type: a conversion says more than a click, a click than a view. */
export const EVENT_WEIGHTS = { view: 1, click: 2, conversion: 3 } as const satisfies Partial<
  Record<EventTypeName, number>
>

export interface EventLogStats {
  tenant: string
  dir: string
  /** NDJSON objects (files) read, and their non-empty lines. */
  objects: number
  lines: number
  /** Well-formed records by kind (`event`, `decision`, `deletion`, …). */
  records: Record<string, number>
  /** Lines skipped as malformed, and the first few as `file:line`. */
  malformed: number
  malformed_at: string[]
  /** Event records seen again with an `event_id` already read. */
  duplicates: number
  /** Users with a deletion record, and the events dropped because of one. */
  deleted_users: number
  deleted_user_events: number
  /** Events kept (after de-duplication and deletions), by type. */
  by_type: Partial<Record<EventTypeName, number>>
  interactions: number
  users: number
  items: number
  ms: number
}

export interface EventLog {
  /** Positive feedback (view, click, conversion), ordered by time, then user, item. */
  interactions: Interaction[]
  /** Hides (weight 1 each): items the user asked not to see. */
  hides: Interaction[]
  stats: EventLogStats
}

/** Files read per DuckDB query (one progress report each). */
const FILES_PER_BATCH = 200
const MALFORMED_SHOWN = 5

/** The record fields the pipeline reads; `json_transform` leaves the others out and gives NULL when one is absent. */
const SCHEMA = JSON.stringify({
  kind: 'VARCHAR',
  tenant: 'VARCHAR',
  at: 'VARCHAR',
  event_id: 'VARCHAR',
  type: 'VARCHAR',
  user_id: 'VARCHAR',
  item_id: 'VARCHAR',
  event_time: 'VARCHAR',
  ingestion_time: 'VARCHAR',
})
/** `Id` of the contracts. */
const ID = `'^[A-Za-z0-9._~@+=-]{1,128}$'`
const list = (xs: readonly string[]) => xs.map(sqlString).join(', ')
const positive = list(Object.keys(EVENT_WEIGHTS))

/** Reads `<dir>/<tenant>/**\/*.ndjson`; a tenant without a folder gives an empty log. */
export async function readEventLog(opts: {
  dir: string
  tenant: string
  progress?: (msg: string) => void
}): Promise<EventLog> {
  const t0 = performance.now()
  const root = path.resolve(opts.dir, opts.tenant)
  const files = (await isDir(root))
    ? (await readdir(root, { recursive: true }))
        .filter((f) => f.endsWith('.ndjson'))
        .sort()
        .map((f) => path.join(root, f))
    : []
  opts.progress?.(`${files.length} log objects under ${root}`)
  return withDuckDB(async (c) => {
    await c.run(`CREATE TABLE raw (file VARCHAR, n INTEGER, line VARCHAR)`)
    const raw = await c.createAppender('raw')
    for (let i = 0; i < files.length; i += FILES_PER_BATCH) {
      const batch = files.slice(i, i + FILES_PER_BATCH)
      for (const file of batch)
        for (const [n, line] of ndjsonLines(await readFile(file))) {
          raw.appendVarchar(file)
          raw.appendInteger(n)
          if (line === null) raw.appendNull()
          else raw.appendVarchar(line)
          raw.endRow()
        }
      raw.flushSync()
      opts.progress?.(`read ${i + batch.length}/${files.length} objects`)
    }
    raw.closeSync()
    await classify(c, opts.tenant)
    const stats = await summarize(c, opts.tenant, root, files.length)
    const weights = Object.entries(EVENT_WEIGHTS)
      .map(([t, w]) => `WHEN ${sqlString(t)} THEN ${w}`)
      .join(' ')
    const interactions = await queryInteractions(
      c,
      `SELECT user_id, item_id, event_ms AS ts, CASE type ${weights} END AS weight FROM kept
       WHERE type IN (${positive}) ORDER BY ts, user_id, item_id, weight`,
    )
    const hides = await queryInteractions(
      c,
      `SELECT user_id, item_id, event_ms AS ts, 1.0 AS weight FROM kept WHERE type = 'hide'
       ORDER BY ts, user_id, item_id`,
    )
    stats.ms = Math.round(performance.now() - t0)
    opts.progress?.(
      `${stats.interactions} interactions, ${stats.duplicates} duplicates, ` +
        `${stats.deleted_user_events} events of deleted users, ${stats.malformed} malformed lines`,
    )
    return { interactions, hides, stats }
  })
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The non-blank lines of an NDJSON object as `[line number, text]` (from 1, a trailing CR removed); a line that is
 * not valid UTF-8 gives null.
 */
function* ndjsonLines(bytes: Uint8Array): Generator<[number, string | null]> {
  for (let start = 0, n = 1; start < bytes.length; n++) {
    const lf = bytes.indexOf(0x0a, start)
    const end = lf < 0 ? bytes.length : lf
    let line: string | null
    try {
      line = utf8.decode(bytes.subarray(start, end))
    } catch {
      line = null
    }
    if (line !== null && line.endsWith('\r')) line = line.slice(0, -1)
    if (line === null || line.trim() !== '') yield [n, line]
    start = end + 1
  }
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false
}

/**
 * How far an event_time may be ahead of its ingestion: the edge refuses more (`POST /v1/events`), so a record beyond
 * it was not written by the edge, and one such time would move the dataset's clock (decays, recency) years ahead.
 */
const MAX_AHEAD_MS = 86_400_000

/** raw → rec (parsed objects) → ok (usable records) → events (first per event_id) → kept (deletions applied). */
async function classify(c: DuckDBConnection, tenant: string): Promise<void> {
  const ms = (field: string) => `epoch_ms(TRY_CAST(${field} AS TIMESTAMPTZ))::DOUBLE`
  // Materialized in steps: json_transform must only ever see valid JSON objects.
  await c.run(`CREATE TABLE obj AS SELECT * FROM raw
    WHERE CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END`)
  await c.run(`CREATE TABLE rec AS
    SELECT file, n, r.kind, r.tenant, r.event_id, r.type, r.user_id, r.item_id,
      ${ms('r.at')} AS at_ms, ${ms('r.event_time')} AS event_ms,
      ${ms('coalesce(r.ingestion_time, r.at)')} AS ingest_ms
    FROM (SELECT file, n, json_transform(line, ${sqlString(SCHEMA)}) AS r FROM obj)`)
  const mine = `tenant = ${sqlString(tenant)} AND at_ms IS NOT NULL`
  await c.run(`CREATE TABLE ok AS SELECT * FROM rec WHERE kind IS NOT NULL AND CASE kind
    WHEN 'event' THEN ${mine} AND length(event_id) BETWEEN 1 AND 128
      AND type IN (${list(EVENT_TYPES)}) AND regexp_full_match(user_id, ${ID})
      AND regexp_full_match(item_id, ${ID}) AND event_ms IS NOT NULL AND ingest_ms IS NOT NULL
      AND event_ms <= ingest_ms + ${MAX_AHEAD_MS}
    WHEN 'deletion' THEN ${mine} AND regexp_full_match(user_id, ${ID})
    ELSE tenant IS NULL OR tenant = ${sqlString(tenant)} END`)
  await c.run(`CREATE TABLE events AS SELECT * FROM ok WHERE kind = 'event'
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ingest_ms, file, n) = 1`)
  await c.run(`CREATE TABLE deleted AS
    SELECT user_id, max(at_ms) AS at_ms FROM ok WHERE kind = 'deletion' GROUP BY user_id`)
  await c.run(`CREATE TABLE kept AS SELECT e.* FROM events e LEFT JOIN deleted d USING (user_id)
    WHERE d.at_ms IS NULL OR e.ingest_ms > d.at_ms`)
}

async function summarize(
  c: DuckDBConnection,
  tenant: string,
  dir: string,
  objects: number,
): Promise<EventLogStats> {
  const one = async (sql: string): Promise<number> =>
    Number((await c.runAndReadAll(sql)).getRowsJS()[0]?.[0] ?? 0)
  const counts = async (sql: string): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await c.runAndReadAll(sql)).getRowsJS().map(([k, n]) => [String(k), Number(n)]),
    )
  const lines = await one(`SELECT count(*) FROM raw`)
  const ok = await one(`SELECT count(*) FROM ok`)
  const bad = (
    await c.runAndReadAll(
      `SELECT file, n FROM raw ANTI JOIN ok USING (file, n) ORDER BY file, n LIMIT ${MALFORMED_SHOWN}`,
    )
  )
    .getRowsJS()
    .map(([f, n]) => `${path.relative(dir, String(f))}:${String(n)}`)
  const events = await one(`SELECT count(*) FROM ok WHERE kind = 'event'`)
  const unique = await one(`SELECT count(*) FROM events`)
  const kept = await one(`SELECT count(*) FROM kept`)
  return {
    tenant,
    dir,
    objects,
    lines,
    records: await counts(`SELECT kind, count(*) FROM ok GROUP BY kind ORDER BY kind`),
    malformed: lines - ok,
    malformed_at: bad,
    duplicates: events - unique,
    deleted_users: await one(`SELECT count(*) FROM deleted`),
    deleted_user_events: unique - kept,
    by_type: await counts(`SELECT type, count(*) FROM kept GROUP BY type ORDER BY type`),
    interactions: await one(`SELECT count(*) FROM kept WHERE type IN (${positive})`),
    users: await one(`SELECT count(DISTINCT user_id) FROM kept WHERE type IN (${positive})`),
    items: await one(`SELECT count(DISTINCT item_id) FROM kept WHERE type IN (${positive})`),
    ms: 0,
  }
}
