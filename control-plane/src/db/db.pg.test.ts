import { afterAll } from 'vitest'
import { freshDatabase } from '../../test/postgres'
import { createDb } from './client'
import { dbCases } from './db.cases'

// The running PostgreSQL, in a database of this file's own (dropped afterwards).
let drop: (() => Promise<void>) | undefined
dbCases('PostgreSQL via node-postgres', async () => {
  const fresh = await freshDatabase()
  drop = fresh.drop
  return createDb({ url: fresh.url, driver: 'pg' })
})
afterAll(async () => drop?.())
