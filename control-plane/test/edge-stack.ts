import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { kvKeys } from '@recsys/shared'
import { startGateway } from '@recsys/dev/gateway/server'
import { freePort } from '@recsys/dev/net/free-port'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { startWranglerDev } from '@recsys/dev/stack/wrangler-dev'
import { LocalEdgeStoreWriter } from '../src/publish/local-edge-store'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** A real edge Worker (wrangler's local dev engine) with real Redis behind the gateway, in a temp state dir. */
export async function startEdgeStack() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-edge-'))
  const redis = await ensureRedis()
  const gateway = await startGateway({ port: 0, redisUrl: redis.url, token: 'e2e-token' })
  const adminToken = `admin-${randomUUID()}`
  const worker = await startWranglerDev({
    config: path.join(root, 'wrangler.toml'),
    port: await freePort(),
    persistTo: dir,
    readyPath: '/v1/health',
    vars: {
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: 'e2e-token',
      TRACKING_SECRET: 'e2e-tracking-secret-0123456789',
      // A secret published in the repository: the edge takes it on a local dev server only.
      LOCAL_DEV: '1',
      EDGE_ADMIN_TOKEN: adminToken,
      // Generous: these tests assert what is served (tier, degraded) on a machine that may be loaded; a 40 ms
      // Redis budget would turn a slow read into a degraded answer. The tight budget is tested in the edge's own
      // suite, against a server that never answers.
      USER_STATE_TIMEOUT_MS: '2000',
    },
  })
  const edge = new LocalEdgeStoreWriter({ url: worker.url, token: adminToken })
  return {
    url: worker.url,
    edge,
    /** The Upstash REST endpoint the Worker reads (gateway over real Redis). */
    redis: { url: gateway.url, token: 'e2e-token' },
    /** The Worker's /internal route, for control planes that publish to it. */
    edgeAdmin: { url: worker.url, token: adminToken },
    /** Stores an API key for the tenant in the edge store; returns the clear key. */
    async apiKey(tenant: string) {
      const key = `rk_${randomUUID().replace(/-/g, '')}`
      const hash = createHash('sha256').update(key).digest('hex')
      await edge.putJson([
        {
          key: kvKeys.apiKey(hash),
          value: { tenant, key_id: 'e2e', permissions: ['recommend'], disabled: false },
        },
      ])
      return key
    },
    async stop() {
      await worker.stop()
      await gateway.close()
      await redis.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
