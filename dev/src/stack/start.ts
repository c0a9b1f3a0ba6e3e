/**
 * `npm start`: the local stack with embedded defaults. Redis (the running one, else redis-server from PATH)
 * behind the Upstash-compatible gateway, the edge Worker on wrangler's local dev engine with its state in
 * .data/wrangler, and a demo tenant published into it. Ctrl-C stops everything it started.
 * The control plane (PGlite), the scorer and the batch pipeline join this command with their issues.
 */
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { kvKeys, planRelease, redisKeys } from '@recsys/shared'
import { startGateway } from '../gateway/server'
import { ensureRedis } from '../redis/ensure-redis'
import { clusterOf, demoRelease, demoUsers, DEMO_TENANT } from './demo-data'
import { putLocalKv } from './kv-local'
import { startWranglerDev } from './wrangler-dev'

const root = path.resolve(import.meta.dirname, '../../..')
const EDGE_PORT = Number(process.env.EDGE_PORT ?? 8787)
const GATEWAY_PORT = Number(process.env.UPSTASH_GATEWAY_PORT ?? 8079)
const TOKEN = process.env.UPSTASH_REDIS_REST_TOKEN ?? 'dev-token'
const TRACKING_SECRET = process.env.TRACKING_SECRET ?? 'dev-tracking-secret-change-me'
/** The demo tenant's API key, stable so the printed curl lines keep working across restarts (local only). */
const DEMO_KEY = 'rk_demo_local_0000000000000000'
const DEMO_DEBUG_KEY = 'rk_demo_debug_000000000000000'

const step = (msg: string) => console.log(`\u001b[36m▸\u001b[0m ${msg}`)

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

async function main() {
  const stops: Array<() => Promise<void>> = []
  let stopping = false
  const shutdown = async (code: number) => {
    if (stopping) return
    stopping = true
    console.log('\nstopping …')
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(String(e)))
    process.exit(code)
  }
  process.on('SIGINT', () => void shutdown(0))
  process.on('SIGTERM', () => void shutdown(0))

  try {
    for (const [name, port] of [
      ['edge', EDGE_PORT],
      ['Upstash gateway', GATEWAY_PORT],
    ] as const)
      if (!(await portFree(port)))
        throw new Error(
          `port ${port} (${name}) is in use: stop what holds it or set ${name === 'edge' ? 'EDGE_PORT' : 'UPSTASH_GATEWAY_PORT'}`,
        )

    step('Redis')
    const redis = await ensureRedis()
    stops.push(() => redis.stop())
    console.log(`  ${redis.url}${redis.started ? ' (started redis-server)' : ' (already running)'}`)

    step('Upstash-compatible gateway')
    const gateway = await startGateway({ port: GATEWAY_PORT, redisUrl: redis.url, token: TOKEN })
    stops.push(() => gateway.close())
    console.log(`  ${gateway.url}`)

    step(`publishing tenant "${DEMO_TENANT}" into the local edge store (.data/wrangler)`)
    const persistTo = path.join(root, '.data/wrangler')
    await mkdir(persistTo, { recursive: true })
    const plan = planRelease(demoRelease('demo-r1'))
    const keyRecord = (permissions: string[]) => ({
      tenant: DEMO_TENANT,
      key_id: permissions.join('+'),
      permissions,
      disabled: false,
    })
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    await putLocalKv({
      config: path.join(root, 'wrangler.toml'),
      binding: 'EDGE_KV',
      persistTo,
      entries: [
        ...plan.blobs,
        plan.manifest,
        { key: kvKeys.apiKey(sha(DEMO_KEY)), value: keyRecord(['recommend', 'events']) },
        {
          key: kvKeys.apiKey(sha(DEMO_DEBUG_KEY)),
          value: keyRecord(['recommend', 'events', 'debug']),
        },
      ],
    })
    // The pointer last: readers see the whole release or none of it.
    await putLocalKv({
      config: path.join(root, 'wrangler.toml'),
      binding: 'EDGE_KV',
      persistTo,
      entries: [plan.pointer],
    })
    console.log(`  release demo-r1: ${plan.blobs.length + 2} documents`)

    step('user state: consent and taste cluster for the demo users')
    const cmds = demoUsers().map((u, i) => [
      'HSET',
      redisKeys.profile(DEMO_TENANT, `u.${u}`),
      'consent',
      i % 10 === 9 ? '0' : '1',
      'segment',
      `cluster-${clusterOf(i)}`,
    ])
    const res = await fetch(`${gateway.url}/pipeline`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(cmds),
    })
    if (!res.ok) throw new Error(`seeding user state failed: ${res.status} ${await res.text()}`)

    step('edge Worker (wrangler local dev engine)')
    const edge = await startWranglerDev({
      config: path.join(root, 'wrangler.toml'),
      port: EDGE_PORT,
      persistTo,
      readyPath: '/v1/health',
      vars: {
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: TOKEN,
        TRACKING_SECRET,
      },
      log: (line) => {
        // Offline, wrangler cannot fetch the `cf` object from workers.cloudflare.com: expected, not shown.
        if (/error|exception/i.test(line) && !line.includes('workers.cloudflare.com'))
          console.error(`  [edge] ${line}`)
      },
    })
    stops.push(() => edge.stop())

    const e = edge.url
    console.log(`
\u001b[32mThe local stack is up.\u001b[0m  Edge ${e}   Upstash gateway ${gateway.url}   Redis ${redis.url}

  curl -s ${e}/v1/health
  curl -s -H 'authorization: Bearer ${DEMO_KEY}' '${e}/v1/recommendations?surface=home_feed&user_id=u-1&limit=5'
  curl -s -H 'authorization: Bearer ${DEMO_KEY}' -H 'content-type: application/json' \\
       -d '{"surface":"related_items","subject":{"anonymous_id":"visitor-1"},"context":{"item_id":"item-2"},"limit":5}' ${e}/v1/recommendations
  curl -s -H 'authorization: Bearer ${DEMO_DEBUG_KEY}' -H 'content-type: application/json' \\
       -d '{"surface":"home_feed","subject":{"user_id":"u-10"},"limit":5,"debug":true}' ${e}/v1/recommendations
  curl -s ${e}/v1/openapi.json

Users u-1 … u-200 exist (u-10, u-20, … declined personalization). Ctrl-C stops everything.`)
  } catch (e) {
    console.error(`\u001b[31mnpm start failed:\u001b[0m ${(e as Error).message}`)
    await shutdown(1)
  }
}

void main()
