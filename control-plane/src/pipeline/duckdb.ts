import { DOUBLE, DuckDBInstance, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api'
import type { Interaction } from '@recsys/trainer/data/dataset'

/**
 * In-memory DuckDB for the batch pipeline's SQL steps (reading the NDJSON log, de-duplication, windows).
 * @note One instance per step, closed when the step ends: nothing is persisted, the inputs are the source of truth.
 * The session's time zone is UTC (the log's times are UTC): DuckDB would otherwise take the host's, and a time
 * without an offset would read differently from one machine to another.
 */
export async function withDuckDB<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:')
  const c = await instance.connect()
  try {
    await c.run(`SET TimeZone = 'UTC'`)
    return await fn(c)
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** A SQL string literal (single quotes doubled). */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Creates `table(user_id, item_id, ts, weight)` and appends the interactions (ts in ms, as DOUBLE: exact to 2^53). */
export async function loadInteractions(
  c: DuckDBConnection,
  table: string,
  interactions: Iterable<Interaction>,
): Promise<number> {
  await c.run(
    `CREATE OR REPLACE TABLE ${table} (user_id VARCHAR, item_id VARCHAR, ts DOUBLE, weight DOUBLE)`,
  )
  const a = await c.createAppender(table)
  let n = 0
  for (const x of interactions) {
    a.appendVarchar(x.user_id)
    a.appendVarchar(x.item_id)
    a.appendDouble(x.ts)
    a.appendDouble(x.weight)
    a.endRow()
    n++
  }
  a.closeSync()
  return n
}

/** Named parameters that are all DOUBLE (`$name` in the SQL): numbers go in exactly, never as DECIMAL literals. */
export const doubles = (
  values: Record<string, number>,
): [Record<string, number>, Record<string, DuckDBType>] => [
  values,
  Object.fromEntries(Object.keys(values).map((k) => [k, DOUBLE])),
]

/** Runs a query whose columns are `user_id, item_id, ts, weight` and returns its rows as interactions. */
export async function queryInteractions(
  c: DuckDBConnection,
  sql: string,
  params: Record<string, number> = {},
): Promise<Interaction[]> {
  const reader = await c.runAndReadAll(sql, ...doubles(params))
  const [users, items, ts, weights] = reader.getColumnsJS() as [
    string[],
    string[],
    number[],
    number[],
  ]
  const out: Interaction[] = new Array(users?.length ?? 0)
  for (let i = 0; i < out.length; i++)
    out[i] = { user_id: users[i]!, item_id: items[i]!, ts: ts[i]!, weight: weights[i]! }
  return out
}
