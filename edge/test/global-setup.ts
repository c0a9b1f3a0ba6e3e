import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { EDGE_FEATURES, type ModelMetadata } from '@recsys/shared'
import { linearModel } from '@recsys/trainer/model/bundle'
import { startGateway } from '@recsys/dev/gateway/server'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { writeFixtureStore } from '../../gpu-scorer/test/fixture-store'
import { startScorerProxy } from './scorer-proxy'
import { startScorer } from './scorer-process'

/** What the scorer tests need to know about the real scorer the setup started. */
export interface ScorerFixture {
  /** The fault proxy in front of the scorer: use `<proxyUrl>/<lane>` as SCORER_URL. */
  proxyUrl: string
  token: string
  tenant: string
  release: string
  /** The tenant's catalog as the scorer has it (item → flags), its denylist and its eligibility traps. */
  catalog: Record<string, { available: boolean; categories: string[]; regions_allowed?: string[] }>
  denylist: string[]
  traps: { unavailable: string[]; denied: string[]; onlyInDE: string[] }
  users: string[]
  /** The release's `consumed` artifact: each user's training history, which `exclude_consumed` keeps out. */
  consumed: Record<string, string[]>
  /** Each item's neighbours (ids, best first): what an item-anchored request serves first. */
  neighbors: Record<string, string[]>
  /** An edge model over EDGE_FEATURES: score = category_affinity + 0.1 · rank_reciprocal. */
  edgeModel: { base64: string; metadata: ModelMetadata }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A TCP port that accepts connections and never answers: a user-state store that hangs. */
    blackholeUrl: string
    scorer: ScorerFixture
  }
}

const SCORER_TOKEN = 'test-scorer-token'

/**
 * Runs in Node before the edge tests: real Redis (the running one, else redis-server from PATH) behind the
 * Upstash gateway on the port vitest.config.ts chose, so the Worker's bindings point at it; and the real scorer
 * (`gpu-scorer/src/main.ts`, a child process) over a fixture store of one tenant, behind the fault proxy.
 */
export default async function setup(project: TestProject) {
  const port = Number(process.env.RECSYS_TEST_GATEWAY_PORT)
  if (!port) throw new Error('RECSYS_TEST_GATEWAY_PORT is not set (see vitest.config.ts)')
  const proxyPort = Number(process.env.RECSYS_TEST_SCORER_PROXY_PORT)
  if (!proxyPort) throw new Error('RECSYS_TEST_SCORER_PROXY_PORT is not set (see vitest.config.ts)')
  const cleanup: Array<() => Promise<void>> = []
  const teardown = async () => {
    for (const f of cleanup.reverse()) await f().catch((e: unknown) => console.error(e))
  }
  try {
    const redis = await ensureRedis()
    cleanup.push(() => redis.stop())
    const gateway = await startGateway({ port, redisUrl: redis.url, token: 'test-token' })
    cleanup.push(() => gateway.close())
    const sockets = new Set<net.Socket>()
    const blackhole = net.createServer((s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    })
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r))
    cleanup.push(async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => blackhole.close(() => r()))
    })
    project.provide(
      'blackholeUrl',
      `http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`,
    )

    // The scorer: a fixture store for one tenant of this run, the real process, the fault proxy in front.
    const dataDir = await mkdtemp(path.join(tmpdir(), 'edge-scorer-'))
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }))
    const tenant = `sc-${Math.random().toString(36).slice(2, 10)}`
    // user-6 consumed every even item in training: the release carries that history.
    const consumed = { 'user-6': Array.from({ length: 150 }, (_, i) => `item-${2 * i}`) }
    const store = await writeFixtureStore(dataDir, { tenant, items: 300, users: 20, consumed })
    const scorer = await startScorer({ port: await freePort(), dataDir, token: SCORER_TOKEN })
    cleanup.push(() => scorer.stop())
    const proxy = await startScorerProxy({ port: proxyPort, upstream: scorer.url })
    cleanup.push(() => proxy.close())

    const edge = linearModel(
      EDGE_FEATURES,
      { rank_reciprocal: 0.1, category_affinity: 1 },
      0,
      'none',
    )
    project.provide('scorer', {
      proxyUrl: proxy.url,
      token: SCORER_TOKEN,
      tenant,
      release: store.release,
      catalog: store.catalog as ScorerFixture['catalog'],
      denylist: store.denylist,
      traps: store.traps,
      users: store.users,
      consumed,
      neighbors: Object.fromEntries(
        Object.entries(store.neighbors).map(([id, list]) => [id, list.map((n) => n.item_id)]),
      ),
      edgeModel: {
        base64: Buffer.from(edge.onnx).toString('base64'),
        metadata: { ...edge.metadata, score_range: [-10, 10] },
      },
    })
  } catch (e) {
    await teardown()
    throw e
  }
  return teardown
}

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as net.AddressInfo
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}
