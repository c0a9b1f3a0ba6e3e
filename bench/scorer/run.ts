/**
 * `npm run bench:scorer`: the regional scorer (its real process, `gpu-scorer/src/main.ts`), 1000-candidate
 * `POST /v1/rank` requests over a 5,000-item fixture store (real HNSW, real ONNX rankers), for two rankers over the
 * same 13 shared features: the test fixture's small MLP (13 → 16 → 1) and a production-sized one (13 → 256 → 128 → 1),
 * each a tenant of the same store. Load: closed loop (1/4/16 connections) and open loop at fixed rates
 * (evenly paced, 50 and 100 req/s); closed-loop latencies are each response's hrtime, not autocannon's summary
 * (whole milliseconds, too coarse for a ~1 ms request). Baselines measured in the same run:
 *   - bare onnxruntime-node: `session.run` of the same model on a 1000-row batch, alone, with the scorer's session
 *     options (one intra-op thread) — the ratio's denominator — and with onnxruntime's defaults (for information);
 *   - the scorer with batching across requests turned off (one request per `session.run`);
 *   - the scorer with inference on a worker thread (`SCORER_INFERENCE_THREAD=worker`), whatever `auto` chose;
 *   - end to end (`bench/scorer/e2e.ts`): the edge's `ranked` tier under `wrangler dev` at a fixed rate, against
 *     the same requests with the kill switch `edge.scorer` engaged.
 * The configurations' scorers run side by side and each load level is measured for each of them back to back, so
 * the machine's drift stays out of the ratios between them.
 * Knobs: BENCH_SECONDS (10), BENCH_CONCURRENCY (1,4,16), BENCH_RATES (50,100), BENCH_ITEMS (5000),
 * BENCH_CANDIDATES (1000), BENCH_BARE_RUNS (2000), BENCH_MAX_WAIT_MS (0), BENCH_E2E (1), BENCH_E2E_RATE (50),
 * BENCH_E2E_SECONDS (20).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { FixtureStore } from '../../gpu-scorer/test/fixture-store'
import { bareInference, fixtureOnnx, type Bare } from './bare'
import { E2E_LIMIT, rankedEndToEnd, type E2eRow } from './e2e'
import { BENCH_MODELS, benchBodies, benchFixture, CANDIDATES, ITEMS } from './fixture'
import { closedLoop, openLoop, STAGES, type LoadRow, type Target } from './load'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4,16').split(',').map(Number)
const RATES = (process.env.BENCH_RATES ?? '50,100').split(',').map(Number)
const BARE_RUNS = Number(process.env.BENCH_BARE_RUNS ?? 2000)
const MAX_WAIT_MS = process.env.BENCH_MAX_WAIT_MS ?? '0'
const E2E = process.env.BENCH_E2E !== '0'
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 50)
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 20)
const TOKEN = 'bench-scorer-token'
const root = path.resolve(import.meta.dirname, '../..')

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
        if (child.exitCode !== null || child.signalCode !== null) return r()
        child.once('exit', () => r())
        child.kill('SIGTERM')
      }),
  }
}

const settle = () => new Promise((r) => setTimeout(r, 2000))

export async function runScorerBench() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scorer-'))
  try {
    console.log(`seeding a ${ITEMS}-item store (HNSW + one ONNX ranker per tenant) …`)
    const models: Array<{
      m: (typeof BENCH_MODELS)[number]
      fixture: FixtureStore
      body: (i: number) => string
      bare: Bare
      bareDefault: Bare
    }> = []
    for (const m of BENCH_MODELS) {
      const fixture = await benchFixture(dataDir, { tenant: m.tenant, hidden: [...m.hidden] })
      const all = benchBodies(fixture)
      models.push({
        m,
        fixture,
        body: (i) => all[i % all.length]!,
        bare: { rows: 0, runs: 0, p50: 0, p99: 0 },
        bareDefault: { rows: 0, runs: 0, p50: 0, p99: 0 },
      })
    }
    for (const x of models) {
      console.log(`bare onnxruntime-node, ${x.m.label}, ${CANDIDATES} rows × ${BARE_RUNS} runs …`)
      const onnx = fixtureOnnx(x.fixture, x.m.hidden)
      x.bare = await bareInference(onnx, CANDIDATES, BARE_RUNS, 'scorer')
      x.bareDefault = await bareInference(onnx, CANDIDATES, BARE_RUNS, 'default')
    }

    const configs: ScorerScript[] = [
      { name: 'micro-batched', env: { SCORER_MAX_WAIT_MS: MAX_WAIT_MS } },
      { name: 'batching off', env: { SCORER_MAX_WAIT_MS: '0', SCORER_MAX_BATCH_REQUESTS: '1' } },
      {
        name: 'inference thread',
        env: { SCORER_MAX_WAIT_MS: MAX_WAIT_MS, SCORER_INFERENCE_THREAD: 'worker' },
      },
    ]
    // Every configuration's scorer runs at once, and each load level is measured for each of them back to back
    // (the order turning from one such level to the next): this machine drifts by ±20 % over minutes, which would otherwise go
    // into the ratios between configurations.
    const scorers: Array<Awaited<ReturnType<typeof startScorerProcess>>> = []
    let e2e: E2eRow[] = []
    const measured: Array<{ row: LoadRow; order: number[] }> = []
    try {
      for (const cfg of configs) scorers.push(await startScorerProcess(dataDir, cfg.env))
      const levels = [
        ...CONCURRENCY.map((c) => ({ closed: c, rate: undefined })),
        ...RATES.map((r) => ({ closed: undefined, rate: r })),
      ]
      // Baselines are measured at 1 connection, the most connections and the highest rate.
      const baselineLevel = (l: (typeof levels)[number]) =>
        l.closed === 1 || l.closed === Math.max(...CONCURRENCY) || l.rate === Math.max(...RATES)
      let turn = 0
      for (const [mi, x] of models.entries()) {
        const target = (ci: number): Target => ({
          url: scorers[ci]!.url,
          token: TOKEN,
          pid: scorers[ci]!.child.pid!,
          tenant: x.m.tenant,
          body: x.body,
        })
        for (const [ci, cfg] of configs.entries()) {
          console.log(`${cfg.name}, ${x.m.label}: warming up …`)
          await closedLoop(target(ci), { name: cfg.name, model: x.m.label }, 4, 3)
        }
        for (const [li, l] of levels.entries()) {
          const which = configs.map((_, ci) => ci).filter((ci) => ci === 0 || baselineLevel(l))
          // Whoever went first last time goes last.
          if (which.length > 1 && turn++ % 2 === 1) which.reverse()
          for (const ci of which) {
            const names = { name: configs[ci]!.name, model: x.m.label }
            await settle()
            const what = l.closed
              ? `closed loop, ${l.closed} connections`
              : `open loop, ${l.rate} req/s`
            console.log(`${names.name}, ${x.m.label}: ${what}, ${SECONDS} s …`)
            const row = l.closed
              ? await closedLoop(target(ci), names, l.closed, SECONDS)
              : await openLoop(target(ci), names, l.rate!, SECONDS)
            measured.push({ row, order: [ci, mi, li] })
          }
        }
      }
      for (const s of scorers.slice(1)) await s.stop()
      if (E2E) {
        await settle()
        e2e = await rankedEndToEnd({
          scorerUrl: scorers[0]!.url,
          scorerToken: TOKEN,
          tenants: models.map((x) => ({ fixture: x.fixture, label: x.m.label })),
          rate: E2E_RATE,
          seconds: E2E_SECONDS,
        })
      }
    } finally {
      for (const s of scorers) await s.stop()
    }
    // Reported by configuration, then model, then load.
    const rows = measured
      .sort((a, b) => a.order.reduce((d, v, k) => d || v - b.order[k]!, 0))
      .map((m) => m.row)

    const report = renderReport(models, rows, e2e)
    console.log(`\n${report}\n`)
    await mkdir(path.join(root, 'bench/results'), { recursive: true })
    await writeFile(
      path.join(root, 'bench/results/scorer.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          cores: os.cpus().length,
          node: process.version,
          items: ITEMS,
          candidates: CANDIDATES,
          seconds: SECONDS,
          bare: Object.fromEntries(
            models.map((x) => [x.m.tenant, { scorer: x.bare, default: x.bareDefault }]),
          ),
          rows,
          e2e,
        },
        null,
        2,
      ),
    )
    await writeFile(path.join(root, 'bench/results/scorer.md'), report + '\n')
    if ([...rows, ...e2e].some((r) => r.errors > 0)) {
      console.error('some requests failed: the figures above are not valid')
      process.exitCode = 1
    }
    return { rows, e2e }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

const f = (x: number, d = 2) => x.toFixed(d)
const met = (ok: boolean) => (ok ? '**met**' : '**not met**')

function renderReport(
  models: Array<{ m: (typeof BENCH_MODELS)[number]; bare: Bare; bareDefault: Bare }>,
  rows: LoadRow[],
  e2e: E2eRow[],
): string {
  const out = [
    `Scorer alone: ${CANDIDATES}-candidate requests over ${ITEMS} items, ${SECONDS} s per row, ${os.cpus().length} cores (shared with the load generator), Node ${process.version}.`,
    `Closed loop: autocannon, N connections, each response timed by autocannon's hrtime (its summary keeps whole milliseconds). Open loop: evenly paced, latency from each request's due time.`,
    `CPU/request: user + system time of the scorer process per request during the row.`,
    '',
    '| model | scorer | load | req/s | p50 ms | p99 ms | max ms | CPU ms/req | rows/batch | scored/req | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.name} | ${r.load} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max ?? NaN)} | ${f(r.cpuMs ?? NaN)} | ${f(r.batchRows ?? 0, 0)} | ${f(r.scored ?? 0, 0)} | ${r.errors} |`,
    ),
    '',
    `Bare onnxruntime-node \`session.run\`, the same model, ${CANDIDATES} rows:`,
    '',
    '| model | scorer session options (1 intra-op thread): p50 ms | p99 ms | onnxruntime defaults: p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|',
    ...models.map(
      (x) =>
        `| ${x.m.label} | ${f(x.bare.p50, 3)} | ${f(x.bare.p99, 3)} | ${f(x.bareDefault.p50, 3)} | ${f(x.bareDefault.p99, 3)} |`,
    ),
    '',
    `Where a request's time goes, p50 of each stage as the scorer timed it (\`timings_ms\` of every response): retrieval (sources, dedupe, pre-filter), feature assembly, inference (the wait for the micro-batch and \`session.run\`), and the scorer's total; the client's p50 adds HTTP and JSON:`,
    '',
    `| model | scorer | load | ${STAGES.map((k) => `${k} p50 ms`).join(' | ')} | client p50 ms |`,
    `|---|---|---|${STAGES.map(() => '---:').join('|')}|---:|`,
    ...rows
      .filter((r) => r.stages)
      .map(
        (r) =>
          `| ${r.model} | ${r.name} | ${r.load} | ${STAGES.map((k) => f(r.stages![k], 3)).join(' | ')} | ${f(r.p50)} |`,
      ),
    '',
    'Targets (p99 judged at the fixed rates, below saturation; the p50 ratio on the unloaded scorer, 1 connection):',
  ]
  for (const x of models) {
    const mine = rows.filter((r) => r.model === x.m.label && r.name === 'micro-batched')
    const one = mine.find((r) => r.load === 'closed 1')
    const paced = mine.filter((r) => r.load.endsWith('req/s'))
    if (one)
      out.push(
        `- ${x.m.label}: p50 at 1 connection / bare p50 = ${f(one.p50)} / ${f(x.bare.p50, 3)} = **${f(one.p50 / x.bare.p50, 1)}×** (target ≤ 1.5×: ${met(one.p50 / x.bare.p50 <= 1.5)})`,
      )
    if (one?.stages)
      out.push(
        `- ${x.m.label}, 1 connection: the inference stage alone (micro-batch wait + \`session.run\`) / bare p50 = ${f(one.stages.inference, 3)} / ${f(x.bare.p50, 3)} = ${f(one.stages.inference / x.bare.p50, 2)}×; the scorer's other stages (retrieval, features, top-K: total − inference) ${f(one.stages.total - one.stages.inference, 2)} ms, the same for any model (for information)`,
      )
    for (const p of paced)
      out.push(
        `- ${x.m.label}: p99 at ${p.load} = ${f(p.p99)} ms (target ≤ 20 ms: ${met(p.p99 <= 20)}); p50 / bare p50 = ${f(p.p50 / x.bare.p50, 1)}×`,
      )
    const baselines = [
      ['batching off', 'batched/unbatched'],
      ['inference thread', 'auto/inference thread'],
    ] as const
    for (const [name, ratio] of baselines)
      for (const o of rows.filter((r) => r.model === x.m.label && r.name === name)) {
        const on = mine.find((r) => r.load === o.load)
        if (on)
          out.push(
            `- ${x.m.label}, ${o.load}: ${ratio} req/s ${f(on.rps / o.rps)}×, p99 ${f(on.p99)} vs ${f(o.p99)} ms`,
          )
      }
  }
  out.push(
    '- closed loop at 4 and 16 connections on 2 cores is saturation (p50 ≈ connections / throughput): for information',
  )
  if (e2e.length) {
    out.push(
      '',
      `End to end: \`POST /v1/recommendations\` (limit ${E2E_LIMIT}) of the edge under \`wrangler dev\`, Redis behind the Upstash gateway, the scorer above (micro-batched), open loop at ${E2E_RATE} req/s for ${E2E_SECONDS} s; every response's tier counted:`,
      '',
      '| path | model | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors | tiers served | degraded | `ranked` rung when not served (1 request in 20 sampled) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|',
      ...e2e.map(
        (r) =>
          `| ${r.name} | ${r.model} | ${r.rate} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} | ${r.sent} | ${r.errors} | ${Object.entries(
            r.tiers,
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} | ${r.degraded} | ${
            Object.entries(r.rankedFailures)
              .map(([k, v]) => `${k} × ${v}`)
              .join('; ') || '—'
          } |`,
      ),
      '',
    )
    for (const r of e2e.filter((x) => x.model !== 'none')) {
      const ranked = r.tiers.ranked ?? 0
      out.push(
        `- end to end, ${r.model}: p99 ${f(r.p99)} ms at ${r.rate} req/s (target ≤ 50 ms: ${met(r.p99 <= 50)}); ${ranked} of ${r.sent} served \`ranked\`${ranked === r.sent ? '' : ` (${r.sent - ranked} fell back to a lower tier, degraded)`}`,
      )
    }
  }
  return out.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) await runScorerBench()
