/**
 * `npm start`: the whole local stack with embedded defaults (docs/architecture.md#local-stack). Redis (the running
 * one, else redis-server from PATH) behind the Upstash-compatible gateway; the edge Worker on wrangler's local dev
 * engine with its state in .data/wrangler; the control plane on PGlite in .data/pglite. On first start it creates
 * tenant `demo`, runs the pipeline on the built-in synthetic dataset and publishes, all through the operator API.
 * The regional scorer (gpu-scorer) follows the scorer artifact store in .data/scorer and serves tier `ranked`.
 * Ctrl-C stops every process it started.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { redisKeys } from '@recsys/shared'
import { startGateway } from '../gateway/server'
import { ensureRedis } from '../redis/ensure-redis'
import { startControlPlaneProcess } from './control-plane'
import { startScorerProcess } from './scorer'
import { trackingSecret } from './tracking-secret'
import { startWranglerDev } from './wrangler-dev'

const root = path.resolve(import.meta.dirname, '../../..')
const EDGE_PORT = Number(process.env.EDGE_PORT ?? 8787)
const CONTROL_PLANE_PORT = Number(process.env.CONTROL_PLANE_PORT ?? 8788)
const GATEWAY_PORT = Number(process.env.UPSTASH_GATEWAY_PORT ?? 8079)
const SCORER_PORT = Number(process.env.SCORER_PORT ?? 8789)
const TOKEN = process.env.UPSTASH_REDIS_REST_TOKEN ?? 'dev-token'
const DATA = path.join(root, '.data')
const DEMO_TENANT = 'demo'
/** The demo tenant's API keys, stable so the printed curl lines keep working across restarts (local only). */
const DEMO_KEY = 'rk_demo_local_0000000000000000'
const DEMO_DEBUG_KEY = 'rk_demo_debug_000000000000000'
/** Synthetic users u-1 … u-500, in 4 taste clusters: user n is in cluster (n-1) % 4 (trainer/src/data/synthetic.ts). */
const DEMO_USERS = 500
const CLUSTERS = 4

const step = (msg: string) => console.log(`\u001b[36m▸\u001b[0m ${msg}`)

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** A small client of the operator API with the admin token. */
function operatorApi(base: string, token: string) {
  return async (method: string, p: string, body?: unknown, accept = 'application/json') => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return res
  }
}

/** The lines of an NDJSON response, as they arrive. */
async function* ndjsonLines(res: Response): AsyncGenerator<string> {
  if (!res.body) return
  const decoder = new TextDecoder()
  let buf = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true })
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim()
      buf = buf.slice(i + 1)
      if (line) yield line
    }
  }
  if (buf.trim()) yield buf.trim()
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
    for (const [name, port, env] of [
      ['edge', EDGE_PORT, 'EDGE_PORT'],
      ['control plane', CONTROL_PLANE_PORT, 'CONTROL_PLANE_PORT'],
      ['Upstash gateway', GATEWAY_PORT, 'UPSTASH_GATEWAY_PORT'],
      ['scorer', SCORER_PORT, 'SCORER_PORT'],
    ] as const)
      if (!(await portFree(port)))
        throw new Error(`port ${port} (${name}) is in use: stop what holds it or set ${env}`)
    await mkdir(DATA, { recursive: true })
    // Random per data directory (kept in .data/tracking-secret): tokens it signs cannot be forged from the repo.
    const tracking = await trackingSecret(DATA, process.env.TRACKING_SECRET)

    step('Redis')
    const redis = await ensureRedis()
    stops.push(() => redis.stop())
    console.log(`  ${redis.url}${redis.started ? ' (started redis-server)' : ' (already running)'}`)

    step('Upstash-compatible gateway')
    const gateway = await startGateway({ port: GATEWAY_PORT, redisUrl: redis.url, token: TOKEN })
    stops.push(() => gateway.close())
    console.log(`  ${gateway.url}`)

    step('scorer (artifacts from .data/scorer)')
    const scorerToken = process.env.SCORER_TOKEN ?? randomBytes(24).toString('base64url')
    const scorer = await startScorerProcess({
      env: {
        SCORER_PORT: String(SCORER_PORT),
        SCORER_DATA_DIR: path.join(DATA, 'scorer'),
        SCORER_TOKEN: scorerToken,
      },
      log: (line) => {
        if (/"level":"(error|warn)"/.test(line)) console.error(`  [scorer] ${line}`)
      },
    })
    stops.push(() => scorer.stop())
    console.log(`  ${scorer.url}`)

    step('edge Worker (wrangler local dev engine, state in .data/wrangler)')
    const edgeAdminToken = randomBytes(24).toString('base64url')
    const edge = await startWranglerDev({
      config: path.join(root, 'wrangler.toml'),
      port: EDGE_PORT,
      persistTo: path.join(DATA, 'wrangler'),
      readyPath: '/v1/health',
      vars: {
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: TOKEN,
        TRACKING_SECRET: tracking,
        SCORER_URL: scorer.url,
        SCORER_TOKEN: scorerToken,
        // The local edge store's write route, for the control plane only (never set in production).
        EDGE_ADMIN_TOKEN: edgeAdminToken,
      },
      log: (line) => {
        // Offline, wrangler cannot fetch the `cf` object from workers.cloudflare.com: expected, not shown.
        if (/error|exception/i.test(line) && !line.includes('workers.cloudflare.com'))
          console.error(`  [edge] ${line}`)
      },
    })
    stops.push(() => edge.stop())
    console.log(`  ${edge.url}`)

    step(`control plane (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'PGlite in .data/pglite'})`)
    const cp = await startControlPlaneProcess({
      env: {
        CONTROL_PLANE_PORT: String(CONTROL_PLANE_PORT),
        RECSYS_DATA_DIR: DATA,
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: TOKEN,
        EDGE_URL: edge.url,
        EDGE_ADMIN_TOKEN: edgeAdminToken,
        // Where `movielens:`/`log:` datasets may be read: the state directory and the MovieLens folders.
        RECSYS_DATASET_ROOTS:
          process.env.RECSYS_DATASET_ROOTS ??
          [DATA, process.env.RECSYS_DATASETS_DIR ?? path.join(root, '../shared/datasets')].join(
            path.delimiter,
          ),
      },
      log: (line) => {
        if (/"msg":"(error|kill switch reconcile failed)"/.test(line))
          console.error(`  [control plane] ${line}`)
      },
    })
    stops.push(() => cp.stop())
    console.log(`  ${cp.url}  (operator token in ${path.relative(root, cp.tokenFile)})`)
    const adminToken =
      process.env.RECSYS_ADMIN_TOKEN ??
      (await readFile(cp.tokenFile, 'utf8').catch(() => '')).trim()
    if (!adminToken)
      throw new Error(
        `no operator token: ${cp.tokenFile} is missing (delete .data/pglite to start afresh, or set RECSYS_ADMIN_TOKEN)`,
      )
    const api = operatorApi(cp.url, adminToken)

    step(`tenant "${DEMO_TENANT}"`)
    const got = await api('GET', `/v1/tenants/${DEMO_TENANT}`)
    if (got.status === 404) {
      const made = await api('POST', '/v1/tenants', {
        id: DEMO_TENANT,
        name: 'Demo',
        reason: 'npm start',
      })
      if (made.status !== 201)
        throw new Error(`creating the demo tenant failed: ${await made.text()}`)
      console.log('  created, with surfaces home_feed and related_items')
    } else if (!got.ok) throw new Error(`reading the demo tenant failed: ${await got.text()}`)
    else console.log('  exists')
    for (const [key, permissions] of [
      [DEMO_KEY, ['recommend', 'events']],
      [DEMO_DEBUG_KEY, ['recommend', 'events', 'debug']],
    ] as const) {
      const r = await api('POST', `/v1/tenants/${DEMO_TENANT}/keys`, {
        api_key: key,
        permissions,
        reason: 'npm start: the demo keys',
      })
      if (r.status !== 201) throw new Error(`the demo key was refused: ${await r.text()}`)
    }

    const releases = (await (await api('GET', `/v1/tenants/${DEMO_TENANT}/releases`)).json()) as {
      live: string | null
    }
    const probe = await fetch(
      `${edge.url}/v1/recommendations?surface=home_feed&user_id=u-1&limit=1`,
      {
        headers: { authorization: `Bearer ${DEMO_KEY}` },
      },
    )
    if (releases.live && probe.ok) console.log(`  serves release ${releases.live}`)
    else {
      step('pipeline on the synthetic dataset, then publish')
      const t0 = performance.now()
      const res = await api(
        'POST',
        `/v1/tenants/${DEMO_TENANT}/pipeline/run`,
        { dataset: 'synthetic', publish: true, reason: 'npm start' },
        'application/x-ndjson',
      )
      let last: { result?: { published?: { release: string } }; error?: { message: string } } = {}
      for await (const line of ndjsonLines(res)) {
        last = JSON.parse(line) as typeof last
        const progress = (last as { progress?: string }).progress
        if (progress) console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)}s ${progress}`)
      }
      if (!last.result?.published)
        throw new Error(`the pipeline failed: ${last.error?.message ?? JSON.stringify(last)}`)
      console.log(`  published ${last.result.published.release}`)
    }

    step('scorer: loading and warming the release')
    await scorer.waitReady()
    console.log('  ready')

    step('user state: consent and taste cluster of the demo users')
    const cmds = Array.from({ length: DEMO_USERS }, (_, i) => [
      'HSET',
      redisKeys.profile(DEMO_TENANT, `u.u-${i + 1}`),
      'consent',
      (i + 1) % 10 === 0 ? '0' : '1',
      'segment',
      `cluster-${i % CLUSTERS}`,
    ])
    const seeded = await fetch(`${gateway.url}/pipeline`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(cmds),
    })
    if (!seeded.ok)
      throw new Error(`seeding user state failed: ${seeded.status} ${await seeded.text()}`)

    const e = edge.url
    console.log(`
\u001b[32mThe local stack is up.\u001b[0m  Edge ${e}   Control plane ${cp.url} (docs ${cp.docs})
Scorer ${scorer.url}   Upstash gateway ${gateway.url}   Redis ${redis.url}

  curl -s ${e}/v1/health
  curl -s ${scorer.url}/healthz
  curl -s -H 'authorization: Bearer ${DEMO_KEY}' '${e}/v1/recommendations?surface=home_feed&user_id=u-1&limit=5'
  curl -s -H 'authorization: Bearer ${DEMO_KEY}' -H 'content-type: application/json' \\
       -d '{"surface":"related_items","subject":{"anonymous_id":"visitor-1"},"context":{"item_id":"item-2"},"limit":5}' ${e}/v1/recommendations
  curl -s -H 'authorization: Bearer ${DEMO_DEBUG_KEY}' -H 'content-type: application/json' \\
       -d '{"surface":"home_feed","subject":{"user_id":"u-10"},"limit":5,"debug":true}' ${e}/v1/recommendations
  curl -s -H "authorization: Bearer $(cat .data/operator-token)" ${cp.url}/v1/tenants/demo/releases
  npx recsys release list --tenant demo

Users u-1 … u-${DEMO_USERS} exist (u-10, u-20, … declined personalization). Ctrl-C stops everything.`)
  } catch (e) {
    console.error(`\u001b[31mnpm start failed:\u001b[0m ${(e as Error).message}`)
    await shutdown(1)
  }
}

void main()
