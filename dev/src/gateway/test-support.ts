import { randomUUID } from 'node:crypto'
import { Redis as IORedis } from 'ioredis'
import { ensureRedis, type EnsuredRedis } from '../redis/ensure-redis.js'
import { startGateway, type Gateway, type GatewayOptions } from './server.js'

/** A gateway on an ephemeral port over a real Redis, with a key prefix unique to this run. */
export interface TestGateway {
  gateway: Gateway
  token: string
  /** A direct connection to the same Redis, to check what the gateway really stored. */
  direct: IORedis
  /** Prefixes a key with this run's unique prefix, so runs never see each other's keys. */
  key(name: string): string
  /** Deletes every key with this run's prefix, closes the gateway and the direct connection. */
  cleanup(): Promise<void>
}

/** Starts a gateway for a test file; call cleanup() in afterAll. */
export async function startTestGateway(
  overrides: Partial<GatewayOptions> = {},
): Promise<TestGateway> {
  const redis: EnsuredRedis = await ensureRedis()
  const token = `test-${randomUUID()}`
  const prefix = `gwtest:${randomUUID()}:`
  const gateway = await startGateway({ port: 0, redisUrl: redis.url, token, ...overrides })
  const direct = new IORedis(redis.url)
  return {
    gateway,
    token,
    direct,
    key: (name) => `${prefix}${name}`,
    cleanup: async () => {
      const keys: string[] = []
      for await (const batch of direct.scanStream({ match: `${prefix}*`, count: 1000 })) {
        keys.push(...(batch as string[]))
      }
      if (keys.length > 0) await direct.del(...keys)
      direct.disconnect()
      await gateway.close()
      await redis.stop()
    },
  }
}

/** POSTs a JSON body to the gateway with the token; returns status and parsed JSON. */
export async function postJson(
  t: TestGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${t.gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, json: await res.json() }
}
