import { randomUUID } from 'node:crypto'
import { Redis } from '@upstash/redis'
import { startGateway } from '@recsys/dev/gateway/server'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { createDb, migrate, type DbHandle } from '../db/client'

/** A migrated in-memory PGlite, the Upstash gateway over real Redis, and a client that cannot connect. */
export interface Harness {
  h: DbHandle
  redis: Redis
  /** A client pointed at a closed port, with retries off: every command fails fast. */
  broken: Redis
  /** Random id of this run: every tenant and switch name a test creates contains it. */
  run: string
  close(): Promise<void>
}

/** Opens the harness for one test file (call close() in afterAll). */
export async function openHarness(): Promise<Harness> {
  const h = await createDb({ url: 'memory://' })
  await migrate(h)
  const ensured = await ensureRedis()
  const token = `cp-${randomUUID()}`
  const gateway = await startGateway({ port: 0, redisUrl: ensured.url, token })
  const redis = new Redis({ url: gateway.url, token, automaticDeserialization: false })
  const broken = new Redis({
    url: 'http://127.0.0.1:9',
    token,
    automaticDeserialization: false,
    retry: false,
  })
  return {
    h,
    redis,
    broken,
    run: randomUUID().slice(0, 8),
    close: async () => {
      await gateway.close()
      await ensured.stop()
      await h.close()
    },
  }
}
