import { createHash } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { kvKeys, type UserSlatePage } from '@recsys/shared'
import { freePort } from '@recsys/dev/net/free-port'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { putLocalKv } from '@recsys/dev/stack/kv-local'
import { startWranglerDev, type RunningWorker } from '@recsys/dev/stack/wrangler-dev'
import { startGatewayProcess } from '../lib/gateway-process'
import { BENCH_TENANT, benchKvEntries, benchUserState } from './data'

const root = path.resolve(import.meta.dirname, '../..')
const state = path.join(root, '.data/bench/edge')

export interface BenchStack {
  floor: RunningWorker
  edge: RunningWorker
  apiKey: string
  gatewayUrl: string
  gatewayPid?: number
  stop(): Promise<void>
}

/** Redis + gateway with 1,000 users' state, and the edge and the floor Worker under wrangler dev, seeded. */
export async function startBenchStack(): Promise<BenchStack> {
  await rm(state, { recursive: true, force: true })
  await mkdir(state, { recursive: true })
  const redis = await ensureRedis()
  const gateway = await startGatewayProcess({ redisUrl: redis.url, token: 'bench-token' })
  const workers: RunningWorker[] = []
  const stop = async () => {
    for (const w of workers.reverse()) await w.stop()
    await gateway.close()
    await redis.stop()
  }
  try {
    console.log('seeding user state in Redis …')
    const cmds = benchUserState(Date.now())
    for (let i = 0; i < cmds.length; i += 1000) {
      const res = await fetch(`${gateway.url}/pipeline`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
        body: JSON.stringify(cmds.slice(i, i + 1000)),
      })
      if (!res.ok) throw new Error(`seeding Redis failed: ${res.status} ${await res.text()}`)
    }

    console.log('seeding the edge store (KV) …')
    const apiKey = 'rk_bench_0123456789abcdef'
    const { blobs, pointer } = benchKvEntries()
    const keyRecord = {
      tenant: BENCH_TENANT,
      key_id: 'bench',
      permissions: ['recommend'],
      disabled: false,
    }
    const hash = createHash('sha256').update(apiKey).digest('hex')
    const edgeState = path.join(state, 'edge')
    await putLocalKv({
      config: path.join(root, 'wrangler.toml'),
      binding: 'EDGE_KV',
      persistTo: edgeState,
      entries: [...blobs, pointer, { key: kvKeys.apiKey(hash), value: keyRecord }],
    })
    const floorState = path.join(state, 'floor')
    // One user's slate, as the edge would read it if slates were stored one per user.
    const page = blobs.find((b) => b.key.includes(':personalized:page:'))!.value as UserSlatePage
    const [floorValue] = Object.values(page.users)
    await putLocalKv({
      config: path.join(root, 'bench/edge/floor/wrangler.toml'),
      binding: 'EDGE_KV',
      persistTo: floorState,
      entries: [{ key: 'bench:floor', value: floorValue }],
    })

    console.log('starting wrangler dev: floor and edge …')
    const floor = await startWranglerDev({
      config: path.join(root, 'bench/edge/floor/wrangler.toml'),
      port: await freePort(),
      persistTo: floorState,
    })
    workers.push(floor)
    const edge = await startWranglerDev({
      config: path.join(root, 'wrangler.toml'),
      port: await freePort(),
      persistTo: edgeState,
      readyPath: '/v1/health',
      vars: {
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: 'bench-token',
        TRACKING_SECRET: 'bench-tracking-secret-0123456789',
        // A secret published in the repository: the edge takes it on a local dev server only.
        LOCAL_DEV: '1',
      },
    })
    workers.push(edge)

    const probe = await fetch(`${edge.url}/v1/recommendations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ surface: 'home_feed', subject: { user_id: 'user-1' } }),
    })
    const probeJson = (await probe.json()) as {
      metadata?: { tier: string; degraded: boolean }
    }
    if (
      probe.status !== 200 ||
      probeJson.metadata?.tier !== 'cached_user' ||
      probeJson.metadata.degraded
    )
      throw new Error(
        `the edge does not serve the cached_user path: ${probe.status} ${JSON.stringify(probeJson).slice(0, 300)}`,
      )
    return { floor, edge, apiKey, gatewayUrl: gateway.url, gatewayPid: gateway.pid, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
