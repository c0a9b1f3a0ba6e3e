/**
 * `npm run bench:scorer`: the regional scorer alone (its real process, `gpu-scorer/src/main.ts`), 1000-candidate
 * `POST /v1/rank` requests over a 5,000-item fixture store (real HNSW, real ONNX ranker), closed loop with
 * autocannon at a few concurrencies: req/s, p50, p99. Baselines measured in the same run:
 *   - bare onnxruntime-node: `session.run` of the same model on a 1000-row batch, alone (p50/p99);
 *   - the scorer with batching across requests turned off (one request per `session.run`, maxWaitMs 0).
 * Knobs: BENCH_SECONDS (10), BENCH_CONCURRENCY (1,4,16), BENCH_ITEMS (5000), BENCH_CANDIDATES (1000),
 * BENCH_BARE_RUNS (3000), BENCH_MAX_WAIT_MS (0).
 *
 * Hook for later: `runScorerBench({ extra })` runs extra measurements against the same seeded store and running
 * scorer (e.g. the edge's `ranked` tier end to end through `wrangler dev`), and their rows join the table.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { buildModelBundle } from '@recsys/control-plane/model'
import { RANKER_FEATURE_COUNT, RANKER_FEATURES, type RankRequestInput } from '@recsys/shared'
import * as ort from 'onnxruntime-node'
import { writeFixtureStore, type FixtureStore } from '../../gpu-scorer/test/fixture-store'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4,16').split(',').map(Number)
const ITEMS = Number(process.env.BENCH_ITEMS ?? 5000)
const CANDIDATES = Number(process.env.BENCH_CANDIDATES ?? 1000)
const BARE_RUNS = Number(process.env.BENCH_BARE_RUNS ?? 3000)
const MAX_WAIT_MS = process.env.BENCH_MAX_WAIT_MS ?? '0'
const TOKEN = 'bench-scorer-token'
const root = path.resolve(import.meta.dirname, '../..')

export interface Saturation {
  name: string
  connections: number
  rps: number
  p50: number
  p99: number
  requests: number
  errors: number
  /** Mean rows per `session.run` during the run (from the scorer's /metrics). */
  batchRows?: number
  /** Mean candidates scored per request. */
  scored?: number
}

/** What an extra measurement gets: the seeded store and a running scorer over it. */
export interface BenchContext {
  dataDir: string
  fixture: FixtureStore
  scorerUrl: string
  token: string
  body: (i: number) => string
}

export interface ScorerScript {
  name: string
  env: Record<string, string>
}

/** Starts the scorer as the edge and the local stack do: its own process, configured by env. */
export async function startScorerProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-scorer/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      SCORER_TOKEN: TOKEN,
      SCORER_PORT: '0',
      SCORER_DATA_DIR: dataDir,
      SCORER_EXECUTION_PROVIDER: 'cpu',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /scorer listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`scorer exited with ${code}: ${stderr}`)))
  })
  child.stdout!.resume()
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/healthz`).catch(() => undefined)
    if (res?.status === 200) break
    if (i > 600) throw new Error('scorer not ready after 60 s')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r()
        child.once('exit', () => r())
        child.kill('SIGTERM')
      }),
  }
}

/** Request bodies: users and their recent items vary, every request asks for CANDIDATES candidates. */
function bodies(fx: FixtureStore, n = 256): string[] {
  return Array.from({ length: n }, (_, i) => {
    const recent = Array.from(
      { length: 10 },
      (_, k) => fx.items[(i * 37 + k * 101) % fx.items.length]!,
    )
    const req: RankRequestInput = {
      tenant: fx.tenant,
      surface: 'home_feed',
      subject: `u.${fx.users[i % fx.users.length]}`,
      recent_items: recent,
      session_items: recent.slice(0, 2),
      candidates: CANDIDATES,
      limit: 100,
    }
    return JSON.stringify(req)
  })
}

async function scrape(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text()
  const v = (s: string) =>
    Number(
      /^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(s + ' ')) ?? '')?.[2] ?? 0,
    )
  return {
    batchSum: v('scorer_batch_rows_sum'),
    batchCount: v('scorer_batch_rows_count'),
    scored: v(`scorer_scored_candidates_total{tenant="bench"}`),
    requests: v('scorer_stage_duration_ms_count{stage="total"}'),
  }
}

export async function saturate(
  name: string,
  url: string,
  connections: number,
  seconds: number,
  body: (i: number) => string,
): Promise<Saturation> {
  let n = 0
  const before = await scrape(url)
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/rank',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          'x-deadline-ms': '1000',
        },
        setupRequest: (req) => ({ ...req, body: body(n++) }),
      },
    ],
  })
  const after = await scrape(url)
  return {
    name,
    connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    batchRows:
      (after.batchSum - before.batchSum) / Math.max(1, after.batchCount - before.batchCount),
    scored: (after.scored - before.scored) / Math.max(1, after.requests - before.requests),
  }
}

/** `session.run` alone on the same model and a 1000-row batch, sequentially. */
export async function bareInference(onnx: Uint8Array, rows: number, runs: number) {
  const session = await ort.InferenceSession.create(onnx, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  })
  const data = new Float32Array(rows * RANKER_FEATURE_COUNT)
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000
  const feeds = { features: new ort.Tensor('float32', data, [rows, RANKER_FEATURE_COUNT]) }
  for (let i = 0; i < 200; i++) await session.run(feeds)
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await session.run(feeds)
    ms.push(performance.now() - t0)
  }
  await session.release()
  ms.sort((a, b) => a - b)
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!
  return { rows, runs, p50: q(0.5), p99: q(0.99) }
}

const settle = () => new Promise((r) => setTimeout(r, 2000))

export async function runScorerBench(
  opts: { extra?: Array<(ctx: BenchContext) => Promise<Saturation[]>> } = {},
) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scorer-'))
  try {
    console.log(`seeding a ${ITEMS}-item store (HNSW + ONNX ranker) …`)
    const fixture = await writeFixtureStore(dataDir, {
      tenant: 'bench',
      items: ITEMS,
      users: 1000,
      dims: 32,
      trending: 200,
      fallback: 300,
      traps: false,
    })
    const all = bodies(fixture)
    const body = (i: number) => all[i % all.length]!

    console.log(`bare onnxruntime-node, ${CANDIDATES} rows × ${BARE_RUNS} runs …`)
    const onnx = buildModelBundle({
      features: RANKER_FEATURES,
      hidden: [16],
      seed: 1,
      mlp: fixture.mlp,
    }).onnx
    const bare = await bareInference(onnx, CANDIDATES, BARE_RUNS)

    const configs: ScorerScript[] = [
      { name: 'scorer (micro-batched)', env: { SCORER_MAX_WAIT_MS: MAX_WAIT_MS } },
      {
        name: 'scorer, batching off',
        env: { SCORER_MAX_WAIT_MS: '0', SCORER_MAX_BATCH_REQUESTS: '1' },
      },
    ]
    const rows: Saturation[] = []
    for (const cfg of configs) {
      const scorer = await startScorerProcess(dataDir, cfg.env)
      try {
        console.log(`${cfg.name}: warming up …`)
        await saturate(cfg.name, scorer.url, 4, 3, body)
        for (const c of CONCURRENCY) {
          await settle()
          console.log(`${cfg.name}: ${c} connections, ${SECONDS} s …`)
          rows.push(await saturate(cfg.name, scorer.url, c, SECONDS, body))
        }
        if (cfg === configs[0])
          for (const extra of opts.extra ?? [])
            rows.push(
              ...(await extra({ dataDir, fixture, scorerUrl: scorer.url, token: TOKEN, body })),
            )
      } finally {
        await scorer.stop()
      }
    }

    const batched = rows.filter((r) => r.name === configs[0]!.name)
    const single = batched.find((r) => r.connections === Math.min(...CONCURRENCY))!
    const p99Met = batched.filter((r) => r.p99 <= 20).map((r) => r.connections)
    const p99Missed = batched.filter((r) => r.p99 > 20).map((r) => `${r.connections} (${r.p99} ms)`)
    const f = (x: number, d = 2) => x.toFixed(d)
    const report = [
      `Scorer alone, ${CANDIDATES}-candidate requests over ${ITEMS} items (closed loop, autocannon, ${SECONDS} s each), ${os.cpus().length} cores, Node ${process.version}:`,
      '',
      '| scorer | connections | req/s | p50 ms | p99 ms | rows/batch | scored/request | requests | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.connections} | ${f(r.rps, 0)} | ${r.p50} | ${r.p99} | ${f(r.batchRows ?? 0, 0)} | ${f(r.scored ?? 0, 0)} | ${r.requests} | ${r.errors} |`,
      ),
      '',
      `Bare onnxruntime-node \`session.run\`, the same model, ${bare.rows} rows (${bare.runs} runs): p50 ${f(bare.p50, 3)} ms, p99 ${f(bare.p99, 3)} ms.`,
      '',
      `- scorer p50 at ${single.connections} connection(s) / bare p50: **${f(single.p50 / bare.p50, 1)}×** (target ≤ 1.5×: **${single.p50 / bare.p50 <= 1.5 ? 'met' : 'not met'}**)`,
      `- scorer p99 ≤ 20 ms: met at ${p99Met.length ? p99Met.join(', ') : 'no'} connection(s)` +
        (p99Missed.length ? `; **not met** at ${p99Missed.join(', ')}` : ''),
      `- closed loop: p50 ≈ connections / throughput once the event loop is saturated (Little's law)`,
      ...CONCURRENCY.map((c) => {
        const on = rows.find((r) => r.name === configs[0]!.name && r.connections === c)!
        const off = rows.find((r) => r.name === configs[1]!.name && r.connections === c)!
        return `- ${c} connection(s): batched/unbatched throughput ${f(on.rps / off.rps)}×, p99 ${on.p99} vs ${off.p99} ms`
      }),
    ].join('\n')
    console.log(`\n${report}\n`)
    await mkdir(path.join(root, 'bench/results'), { recursive: true })
    await writeFile(
      path.join(root, 'bench/results/scorer.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          items: ITEMS,
          candidates: CANDIDATES,
          seconds: SECONDS,
          bare,
          rows,
        },
        null,
        2,
      ),
    )
    await writeFile(path.join(root, 'bench/results/scorer.md'), report + '\n')
    if (rows.some((r) => r.errors > 0)) {
      console.error('some requests failed: the figures above are not valid')
      process.exitCode = 1
    }
    return { bare, rows }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runScorerBench()
