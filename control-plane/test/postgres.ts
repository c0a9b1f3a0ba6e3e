import pg from 'pg'

/** The PostgreSQL the repository tests use (CI: the running server on 127.0.0.1:5432, database `test`). */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * Creates a database of its own for one test file and returns its URL and a drop function, so that no test
 * depends on state an earlier run left.
 */
export async function freshDatabase(
  prefix = 'recsys_test',
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  try {
    await admin.connect()
  } catch (e) {
    throw new Error(
      `PostgreSQL does not answer at ${ADMIN_URL} (${(e as Error).message}). Start it, or install it with ` +
        '`apt-get install postgresql`, or point TEST_POSTGRES_URL at one.',
    )
  }
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}
