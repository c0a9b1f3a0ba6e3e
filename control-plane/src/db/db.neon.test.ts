import { afterAll } from 'vitest'
import { createLocalNeonPool } from '@recsys/dev/neon-proxy/local-neon'
import { startNeonWsProxy } from '@recsys/dev/neon-proxy/ws-proxy'
import { freshDatabase } from '../../test/postgres'
import { createDb } from './client'
import { dbCases } from './db.cases'

// The production driver (@neondatabase/serverless Pool: wire protocol over WebSocket, interactive
// transactions) against the running PostgreSQL through the local ws→TCP proxy that stands in for Neon's.
const cleanup: Array<() => Promise<void>> = []
dbCases('Neon serverless driver via a local WebSocket proxy', async () => {
  const fresh = await freshDatabase()
  const proxy = await startNeonWsProxy()
  cleanup.push(fresh.drop, proxy.close)
  return createDb({
    url: fresh.url,
    driver: 'neon',
    neonPool: (url) => createLocalNeonPool({ connectionString: url, max: 4 }, proxy.port),
  })
})
afterAll(async () => {
  for (const c of cleanup.reverse()) await c()
})
