/**
 * `npm run bench:control-plane`: the control plane publishing to a real local edge (wrangler's dev engine, KV in a
 * temp dir) with real Redis behind the Upstash gateway, PGlite on disk. Measures, in one run:
 * - publish of N per-user slates (default 100k): register (schema gate), then assemble + every gate + edge
 *   writes + pointer flip; baseline: the same number of documents written straight to the edge store.
 * - rollback visibility: from the rollback call until the edge serves the earlier release; baseline: a pointer
 *   written straight to the edge store.
 * - kill-switch propagation over F flips (default 50) of tenant:<t>:edge.force_tier; baseline: the same field
 *   written straight to Redis (HSET/HDEL), bypassing the control plane.
 * Knobs: BENCH_SLATES, BENCH_SLATE_SIZE, BENCH_ITEMS, BENCH_FLIPS, BENCH_ROLLBACKS.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { kvKeys, planRelease, redisKeys, type Slate } from '@recsys/shared'
import { Redis } from '@upstash/redis'
import { encodeSwitch } from '../../control-plane/src/kill-switches/redis-entry'
import { startControlPlane } from '../../control-plane/src/server'
import { LocalEdgeStoreWriter } from '../../control-plane/src/publish/local-edge-store'
import { startLocalEdge } from '../lib/local-edge'

const SLATES = Number(process.env.BENCH_SLATES ?? 100_000)
const SLATE_SIZE = Number(process.env.BENCH_SLATE_SIZE ?? 20)
const ITEMS = Number(process.env.BENCH_ITEMS ?? 20_000)
const FLIPS = Number(process.env.BENCH_FLIPS ?? 50)
const ROLLBACKS = Number(process.env.BENCH_ROLLBACKS ?? 10)
const root = path.resolve(import.meta.dirname, '../..')
const TENANT = 'bench'

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN
}
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d
const say = (m: string) => process.stderr.write(`${m}\n`)

/** A deterministic slate for user n: SLATE_SIZE distinct items. */
function slateOf(n: number) {
  const items = []
  for (let k = 0; k < SLATE_SIZE; k++)
    items.push({ item_id: `i${(n * 7919 + k * 104_729) % ITEMS}`, score: 1 - k / SLATE_SIZE })
  return { items }
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-bench-cp-'))
  const stops: Array<() => Promise<unknown>> = []
  try {
    const local = await startLocalEdge({ persistTo: path.join(dir, 'wrangler'), say })
    stops.push(() => local.stop())
    const { gateway } = local
    const edge = local.edge
    const edgeToken = local.edge.token
    const cp = await startControlPlane({
      port: 0,
      dataDir: path.join(dir, 'cp'),
      redis: gateway,
      edge: local.edge,
      reconcileMs: 0,
      log: (l) => {
        if (l.msg === 'error') say(`control plane: ${String(l.stack ?? l.error)}`)
      },
    })
    stops.push(() => cp.close())
    const admin = cp.adminToken!
    const api = async (method: string, p: string, body?: unknown, raw?: Uint8Array) => {
      const res = await fetch(`${cp.url}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': raw ? 'application/octet-stream' : 'application/json',
        },
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      })
      const json = (await res.json()) as Record<string, unknown>
      if (!res.ok)
        throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json).slice(0, 500)}`)
      return json
    }

    say('tenant, catalog, rules, fallback')
    const t = await api('POST', '/v1/tenants', {
      id: TENANT,
      consent_default: 'personalized',
      reason: 'bench',
    })
    const key = t.api_key as string
    await api('POST', `/v1/tenants/${TENANT}/catalog`, {
      items: Array.from({ length: ITEMS }, (_, i) => ({
        item_id: `i${i}`,
        categories: [`c${i % 20}`],
      })),
    })
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
    await api(
      'POST',
      `/v1/tenants/${TENANT}/artifacts/rules/rules`,
      undefined,
      enc({ default: { version: 'b1' } }),
    )
    const fallback = (tag: number) =>
      enc({
        lists: ['home_feed', 'related_items'].map((surface) => ({
          surface,
          slate: { items: Array.from({ length: 50 }, (_, k) => ({ item_id: `i${k + tag}` })) },
        })),
      })
    await api('POST', `/v1/tenants/${TENANT}/artifacts/fallback/popular`, undefined, fallback(0))

    say(`generating ${SLATES.toLocaleString()} slates of ${SLATE_SIZE}`)
    const lines: string[] = []
    for (let n = 0; n < SLATES; n++)
      lines.push(
        JSON.stringify({ type: 'user', surface: 'home_feed', user_id: `u${n}`, slate: slateOf(n) }),
      )
    const ndjson = new TextEncoder().encode(lines.join('\n'))

    say('baseline: the same documents straight into the edge store')
    const writer = new LocalEdgeStoreWriter({ url: edge.url, token: edgeToken })
    let t0 = performance.now()
    // The same edge documents a publish writes (user-slate pages), planned for another release id.
    const basePlan = planRelease({
      tenant: TENANT,
      release: 'baseline',
      created_at: new Date().toISOString(),
      model_version: 'none',
      rules_version: 'none',
      config: { tenant: TENANT, surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
      catalog: {},
      denylist: [],
      rules: {},
      popular: [],
      user_slates: lines.map(
        (l) => JSON.parse(l) as { surface: string; user_id: string; slate: Slate },
      ),
    })
    const userDocs = basePlan.blobs.filter((b) => b.key.includes(':page:'))
    await writer.putJson(userDocs)
    const rawS = (performance.now() - t0) / 1000

    say('register the slates artifact')
    t0 = performance.now()
    const reg = await api('POST', `/v1/tenants/${TENANT}/artifacts/slates/users`, undefined, ndjson)
    const registerS = (performance.now() - t0) / 1000
    say('publish release 1')
    t0 = performance.now()
    const p1 = await api('POST', `/v1/tenants/${TENANT}/releases`, {
      reason: 'bench',
      release: 'bench-r1',
    })
    const publishS = (performance.now() - t0) / 1000

    const served = async (user = 'u1') => {
      const res = await fetch(
        `${edge.url}/v1/recommendations?surface=home_feed&user_id=${user}&limit=5`,
        {
          headers: { authorization: `Bearer ${key}` },
        },
      )
      const j = (await res.json()) as { metadata?: { release: string; tier: string } }
      return { release: j.metadata?.release as string, tier: j.metadata?.tier as string }
    }
    const until = async (
      ok: (s: { release: string; tier: string }) => boolean,
      limitMs = 15_000,
    ) => {
      const start = performance.now()
      while (performance.now() - start < limitMs) {
        if (ok(await served())) return performance.now() - start
        await new Promise((r) => setTimeout(r, 5))
      }
      throw new Error('not visible in time')
    }
    await until((s) => s.release === 'bench-r1' && s.tier === 'cached_user')

    say('release 2 (another fallback list), then rollbacks')
    await api('POST', `/v1/tenants/${TENANT}/artifacts/fallback/popular`, undefined, fallback(1))
    await api('POST', `/v1/tenants/${TENANT}/releases`, { reason: 'bench', release: 'bench-r2' })
    await until((s) => s.release === 'bench-r2')
    const rollbackMs: number[] = []
    const directPointerMs: number[] = []
    for (let i = 0; i < ROLLBACKS; i++) {
      const to = i % 2 === 0 ? 'bench-r1' : 'bench-r2'
      t0 = performance.now()
      await api('POST', `/v1/tenants/${TENANT}/releases/rollback`, { reason: 'bench', to })
      await until((s) => s.release === to)
      rollbackMs.push(performance.now() - t0)
    }
    for (let i = 0; i < ROLLBACKS; i++) {
      const to = (ROLLBACKS + i) % 2 === 0 ? 'bench-r1' : 'bench-r2'
      t0 = performance.now()
      await writer.putJson([
        {
          key: kvKeys.pointer(TENANT),
          value: { release: to, updated_at: new Date().toISOString() },
        },
      ])
      await until((s) => s.release === to)
      directPointerMs.push(performance.now() - t0)
    }

    say(`kill switch: ${FLIPS} flips through the control plane, then ${FLIPS} straight to Redis`)
    const name = `tenant:${TENANT}:edge.force_tier`
    const cpFlip: number[] = []
    for (let i = 0; i < FLIPS; i++) {
      const engage = i % 2 === 0
      t0 = performance.now()
      await api(
        'POST',
        `/v1/kill-switches/${encodeURIComponent(name)}/${engage ? 'engage' : 'release'}`,
        {
          reason: 'bench',
          ...(engage ? { value: 'global_popular' } : {}),
        },
      )
      await until((s) => (s.tier === 'global_popular') === engage)
      cpFlip.push(performance.now() - t0)
    }
    const direct = new Redis({
      url: gateway.url,
      token: 'bench-token',
      automaticDeserialization: false,
    })
    const directFlip: number[] = []
    for (let i = 0; i < FLIPS; i++) {
      const engage = i % 2 === 0
      t0 = performance.now()
      if (engage)
        await direct.hset(redisKeys.killSwitches(), {
          [name]: encodeSwitch({ value: 'global_popular', at: new Date() }),
        })
      else await direct.hdel(redisKeys.killSwitches(), name)
      await until((s) => (s.tier === 'global_popular') === engage)
      directFlip.push(performance.now() - t0)
    }

    const result = {
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      slates: SLATES,
      slate_size: SLATE_SIZE,
      items: ITEMS,
      ndjson_mib: round(ndjson.byteLength / 2 ** 20),
      publish: {
        register_s: round(registerS, 2),
        publish_s: round(publishS, 2),
        total_s: round(registerS + publishS, 2),
        slates_per_s: Math.round(SLATES / (registerS + publishS)),
        edge_documents: p1.blobs,
        baseline_raw_write_s: round(rawS, 2),
        baseline_documents: userDocs.length,
        ratio_total_to_raw: round((registerS + publishS) / rawS, 2),
        target_s: 60,
        created: reg.created,
      },
      rollback: {
        n: ROLLBACKS,
        p50_ms: Math.round(pct(rollbackMs, 50)),
        max_ms: Math.round(Math.max(...rollbackMs)),
        baseline_direct_pointer_p50_ms: Math.round(pct(directPointerMs, 50)),
        ratio_p50: round(pct(rollbackMs, 50) / pct(directPointerMs, 50), 2),
        target_ms: 5_000,
      },
      kill_switch: {
        flips: FLIPS,
        p50_ms: Math.round(pct(cpFlip, 50)),
        p99_ms: Math.round(pct(cpFlip, 99)),
        baseline_direct_redis_p50_ms: Math.round(pct(directFlip, 50)),
        baseline_direct_redis_p99_ms: Math.round(pct(directFlip, 99)),
        ratio_p99: round(pct(cpFlip, 99) / pct(directFlip, 99), 2),
        target_p99_ms: 2_000,
      },
    }
    const md = `## Control plane (npm run bench:control-plane)

${result.machine}; ${SLATES.toLocaleString()} per-user slates of ${SLATE_SIZE} items (${result.ndjson_mib} MiB NDJSON), ${ITEMS.toLocaleString()} catalog items.

| measure | control plane | baseline (same run) | ratio | target |
|---|---|---|---|---|
| publish ${SLATES.toLocaleString()} slates: register + gates + edge writes + flip | ${result.publish.total_s} s (register ${result.publish.register_s} s, publish ${result.publish.publish_s} s; ${result.publish.slates_per_s.toLocaleString()} slates/s) | raw write of the same ${result.publish.baseline_documents.toLocaleString()} user-slate pages: ${result.publish.baseline_raw_write_s} s | ${result.publish.ratio_total_to_raw}× | ≤ 60 s |
| rollback visible at the edge (${ROLLBACKS} rollbacks) | p50 ${result.rollback.p50_ms} ms, max ${result.rollback.max_ms} ms | pointer written straight to KV: p50 ${result.rollback.baseline_direct_pointer_p50_ms} ms | ${result.rollback.ratio_p50}× | ≤ 5 s |
| kill switch visible at the edge (${FLIPS} flips) | p50 ${result.kill_switch.p50_ms} ms, p99 ${result.kill_switch.p99_ms} ms | HSET/HDEL straight to Redis: p50 ${result.kill_switch.baseline_direct_redis_p50_ms} ms, p99 ${result.kill_switch.baseline_direct_redis_p99_ms} ms | ${result.kill_switch.ratio_p99}× (p99) | p99 ≤ 2 s |
`
    await mkdir(path.join(root, 'bench/results'), { recursive: true })
    await writeFile(
      path.join(root, 'bench/results/control-plane.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    )
    await writeFile(path.join(root, 'bench/results/control-plane.md'), md)
    console.log(md)
    const misses = [
      result.publish.total_s > 60 && 'publish',
      result.rollback.max_ms > 5_000 && 'rollback',
      result.kill_switch.p99_ms > 2_000 && 'kill switch',
    ].filter(Boolean)
    if (misses.length) console.log(`targets missed: ${misses.join(', ')}`)
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((e: Error) => {
  console.error(e)
  process.exit(1)
})
