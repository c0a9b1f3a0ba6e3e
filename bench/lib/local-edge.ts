import path from 'node:path'
import { startGatewayProcess } from './gateway-process'
import { freePort } from '@recsys/dev/net/free-port'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { startWranglerDev } from '@recsys/dev/stack/wrangler-dev'

const root = path.resolve(import.meta.dirname, '../..')

export interface LocalEdge {
  /** The Upstash-compatible gateway in front of Redis. */
  gateway: { url: string; token: string }
  /** The edge Worker under wrangler's local dev engine, and its admin token (the control plane's edge target). */
  edge: { url: string; token: string }
  /** Stops the edge, the gateway and the Redis this started (not a Redis that was already running). */
  stop(): Promise<void>
}

/**
 * What the control-plane and pipeline benchmarks publish to: Redis (the running one, else a `redis-server` of its
 * own), the Upstash gateway, and the edge Worker (`wrangler.toml`) with its state under `persistTo`.
 */
export async function startLocalEdge(opts: {
  persistTo: string
  say?: (msg: string) => void
}): Promise<LocalEdge> {
  const stops: Array<() => Promise<unknown>> = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined)
  }
  try {
    const redis = await ensureRedis()
    stops.push(() => redis.stop())
    const gateway = await startGatewayProcess({ redisUrl: redis.url, token: 'bench-token' })
    stops.push(() => gateway.close())
    const token = 'bench-edge-admin'
    opts.say?.('starting the edge')
    const edge = await startWranglerDev({
      config: path.join(root, 'wrangler.toml'),
      port: await freePort(),
      persistTo: opts.persistTo,
      readyPath: '/v1/health',
      vars: {
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: 'bench-token',
        TRACKING_SECRET: 'bench-tracking-secret-0123456789',
        // A secret published in the repository: the edge takes it on a local dev server only.
        LOCAL_DEV: '1',
        EDGE_ADMIN_TOKEN: token,
      },
    })
    stops.push(() => edge.stop())
    return {
      gateway: { url: gateway.url, token: 'bench-token' },
      edge: { url: edge.url, token },
      stop,
    }
  } catch (e) {
    await stop()
    throw e
  }
}
