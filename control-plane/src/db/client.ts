import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import * as schema from './schema/index'

export type DbDriver = 'pglite' | 'pg' | 'neon'
/** The drizzle database, whatever the driver underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>

export interface DbHandle {
  db: Database
  driver: DbDriver
  /** Where it points, without credentials (for logs). */
  target: string
  close(): Promise<void>
}

export interface DbOptions {
  /** `postgres://…` (node-postgres, or Neon for *.neon.tech / driver `neon`), `memory://` or absent (PGlite). */
  url?: string
  driver?: DbDriver
  /** PGlite data directory when no URL is given (default `.data/pglite` under the working directory). */
  dataDir?: string
  /** Builds the Neon Pool (injected by tests that reach PostgreSQL through a local ws→TCP proxy). */
  neonPool?: (url: string) => import('@neondatabase/serverless').Pool
}

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle')

/** Which driver a URL means: PGlite without one, Neon for Neon hosts or when asked, node-postgres otherwise. */
export function chooseDriver(url: string | undefined, asked?: string): DbDriver {
  if (asked) {
    if (asked !== 'pglite' && asked !== 'pg' && asked !== 'neon')
      throw new Error(`DATABASE_DRIVER must be pglite, pg or neon (got ${asked})`)
    return asked
  }
  if (!url || url.startsWith('memory://') || url.startsWith('file://')) return 'pglite'
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new Error(`DATABASE_URL must be postgres://… or memory:// (got ${redact(url)})`)
  return /\.neon\.tech(:\d+)?\//.test(url) || /\.neon\.tech$/.test(new URL(url).hostname)
    ? 'neon'
    : 'pg'
}

/** One client factory for every environment (docs/control-plane.md#database). */
export async function createDb(opts: DbOptions = {}): Promise<DbHandle> {
  const url = opts.url ?? process.env.DATABASE_URL
  const driver = chooseDriver(url, opts.driver ?? process.env.DATABASE_DRIVER)
  if (driver === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite')
    const { drizzle } = await import('drizzle-orm/pglite')
    let dataDir: string | undefined
    if (url?.startsWith('memory://')) dataDir = undefined
    else if (url?.startsWith('file://')) dataDir = fileURLToPath(url)
    else dataDir = path.resolve(opts.dataDir ?? '.data/pglite')
    if (dataDir) await mkdir(dataDir, { recursive: true })
    const client = new PGlite(dataDir)
    const db = drizzle(client, { schema }) as unknown as Database
    return { db, driver, target: dataDir ?? 'memory://', close: () => client.close() }
  }
  if (!url) throw new Error(`driver ${driver} needs DATABASE_URL`)
  if (driver === 'pg') {
    const { default: pg } = await import('pg')
    const { drizzle } = await import('drizzle-orm/node-postgres')
    const pool = new pg.Pool({ connectionString: url, max: 10 })
    const db = drizzle(pool, { schema }) as unknown as Database
    return { db, driver, target: redact(url), close: () => pool.end() }
  }
  const { Pool, neonConfig } = await import('@neondatabase/serverless')
  const { drizzle } = await import('drizzle-orm/neon-serverless')
  const { default: ws } = await import('ws')
  // Node has no global WebSocket on 20; the Pool speaks the wire protocol over it (interactive transactions).
  neonConfig.webSocketConstructor ??= ws as never
  const pool = opts.neonPool ? opts.neonPool(url) : new Pool({ connectionString: url, max: 10 })
  const db = drizzle(pool, { schema }) as unknown as Database
  return { db, driver, target: redact(url), close: () => pool.end() }
}

/** Applies the committed migrations (idempotent). */
export async function migrate(handle: DbHandle): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS }
  if (handle.driver === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator')
    await migrate(handle.db as never, config)
  } else if (handle.driver === 'pg') {
    const { migrate } = await import('drizzle-orm/node-postgres/migrator')
    await migrate(handle.db as never, config)
  } else {
    const { migrate } = await import('drizzle-orm/neon-serverless/migrator')
    await migrate(handle.db as never, config)
  }
}

/** A URL without its password. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '<invalid url>'
  }
}
