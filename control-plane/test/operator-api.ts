import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startControlPlane } from '../src/server'
import { startEdgeStack } from './edge-stack'
import { jsonCaller } from './json-call'

/** Where the MovieLens datasets lie (RECSYS_DATASETS_DIR, else next to the repository). */
export const DATASETS_DIR =
  process.env.RECSYS_DATASETS_DIR ?? path.join(import.meta.dirname, '../../../shared/datasets')

/**
 * A control plane (blobs in a temp dir, the given database) publishing to a real edge Worker with real Redis behind
 * the Upstash gateway, with one operator per role. `call` sends JSON bodies as JSON and strings or bytes raw.
 */
export async function openOperatorApi(databaseUrl: string, run: string) {
  const stack = await startEdgeStack()
  const dir = await mkdtemp(path.join(tmpdir(), 'recsys-cp-'))
  const cp = await startControlPlane({
    port: 0,
    dataDir: dir,
    databaseUrl,
    redis: stack.redis,
    edge: stack.edgeAdmin,
    reconcileMs: 0,
    // The pipeline cases read datasets they write to temp dirs, and MovieLens where it lies.
    datasetRoots: [tmpdir(), DATASETS_DIR],
  })
  const call = jsonCaller((p, init) => fetch(`${cp.url}${p}`, init))
  const admin = cp.adminToken!
  const tokens: Record<string, string> = { admin }
  for (const role of ['viewer', 'operator', 'sre'] as const) {
    const r = await call(admin, 'POST', '/v1/operators', {
      id: `${role}-${run}`,
      role,
      reason: 'test',
    })
    if (r.status !== 201) throw new Error(`creating operator ${role} failed: ${r.text}`)
    tokens[role] = r.json.token
  }
  /** The home_feed slate the edge serves `user` with `apiKey`. */
  const recommend = async (apiKey: string, user: string) => {
    const res = await fetch(
      `${stack.url}/v1/recommendations?surface=home_feed&user_id=${user}&limit=10`,
      { headers: { authorization: `Bearer ${apiKey}` } },
    )
    const json = (await res.json()) as any
    return {
      status: res.status,
      tier: json.metadata?.tier as string,
      release: json.metadata?.release as string,
      items: ((json.items ?? []) as any[]).map((i) => i.item_id as string),
    }
  }
  return {
    stack,
    cp,
    admin,
    tokens,
    call,
    recommend,
    async close() {
      await cp.close()
      await stack.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Polls until `done` holds; returns the milliseconds it took (for information: the limit is a hang guard, generous
 * because the tests share two cores, and how soon an effect must show is tested with injected clocks).
 */
export async function until(done: () => Promise<boolean>, limitMs = 30_000): Promise<number> {
  const t0 = performance.now()
  while (performance.now() - t0 < limitMs) {
    if (await done()) return performance.now() - t0
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`not visible within ${limitMs} ms`)
}
