/**
 * `npm run bench:edge`: the edge's `cached_user` path (user state in Redis through the Upstash gateway, final
 * eligibility and rerank on) against a floor Worker that returns one KV value as JSON, both on wrangler's local
 * dev server on loopback, in the same run. Saturation: autocannon, closed loop. Fixed rate: an open-loop, evenly
 * paced generator (bench/lib/paced-load.ts). Reports req/s, p50 and p99 of both and the ratios.
 * The two Workers are measured in alternating rounds (floor, edge, floor, edge…) and each side's rounds are pooled:
 * on a shared 2-core machine throughput drifts by ±20 % over a minute, and back-to-back runs would put the drift
 * into the ratio.
 * Knobs: BENCH_ROUNDS, BENCH_SATURATION_S and BENCH_FIXED_S (per round), BENCH_FIXED_RATE, BENCH_CONNECTIONS,
 * BENCH_USERS, BENCH_WARM_S.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import autocannon from 'autocannon'
import { treeCpuMs } from '../lib/proc-cpu'
import { pacedSamples, summarize, type PacedResult } from '../lib/paced-load'
import { BENCH_USERS } from './data'
import { startBenchStack } from './stack'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SATURATION_S = Number(process.env.BENCH_SATURATION_S ?? 5)
const FIXED_S = Number(process.env.BENCH_FIXED_S ?? 6)
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 200)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const WARM_S = Number(process.env.BENCH_WARM_S ?? 3)
const root = path.resolve(import.meta.dirname, '../..')

interface Saturation {
  rps: number
  p50: number
  p99: number
  errors: number
  requests: number
  /** CPU time (ms) the Worker's process tree (host, wrangler's proxy workerd, the Worker's workerd) used. */
  workerCpuMs?: number
  /** CPU time (ms) the Upstash gateway's process used. */
  gatewayCpuMs?: number
}

/** Request i of a run: the edge's `POST /v1/recommendations` for a bench user (with the key), or the floor's `GET /`. */
const request = (key: string | undefined, i: number) =>
  key
    ? {
        method: 'POST' as const,
        path: '/v1/recommendations',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          surface: 'home_feed',
          subject: { user_id: `user-${i % BENCH_USERS}` },
          limit: 20,
        }),
      }
    : { method: 'GET' as const, path: '/' }

async function saturate(
  url: string,
  key: string | undefined,
  seconds: number,
  pids: { worker?: number; gateway?: number } = {},
): Promise<Saturation> {
  let n = 0
  const cpu0 = [treeCpuMs(pids.worker), treeCpuMs(pids.gateway)]
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, ...request(key, n++) }) }],
  })
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    requests: r.requests.total,
    workerCpuMs: delta(cpu0[0], treeCpuMs(pids.worker)),
    gatewayCpuMs: delta(cpu0[1], treeCpuMs(pids.gateway)),
  }
}

const ms = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2))

const delta = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : b - a

const fixed = (url: string, key: string | undefined, seconds: number) =>
  pacedSamples({
    url,
    rate: FIXED_RATE,
    seconds,
    request: (i) => request(key, i),
  })

const settle = () => new Promise((r) => setTimeout(r, 2000))

/** Saturation rounds of one side pooled: requests over time, latency quantiles weighted by requests. */
function pool(
  rounds: readonly Saturation[],
): Saturation & { perRound: number[]; workerMsPerReq?: number; gatewayMsPerReq?: number } {
  const requests = rounds.reduce((n, r) => n + r.requests, 0)
  const weighted = (f: (r: Saturation) => number) =>
    Math.round(rounds.reduce((n, r) => n + f(r) * r.requests, 0) / Math.max(1, requests))
  return {
    rps: requests / (rounds.length * SATURATION_S),
    p50: weighted((r) => r.p50),
    p99: weighted((r) => r.p99),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    requests,
    perRound: rounds.map((r) => Math.round(r.rps)),
    workerMsPerReq: perRequest(
      rounds.map((r) => r.workerCpuMs),
      requests,
    ),
    gatewayMsPerReq: perRequest(
      rounds.map((r) => r.gatewayCpuMs),
      requests,
    ),
  }
}

function perRequest(ms: readonly (number | undefined)[], requests: number): number | undefined {
  if (ms.some((m) => m === undefined) || requests === 0) return undefined
  return (ms as number[]).reduce((a, b) => a + b, 0) / requests
}

/** ROUNDS alternating runs of the floor and the edge, each after a pause. */
async function alternate<T>(
  floorRun: () => Promise<T>,
  edgeRun: () => Promise<T>,
): Promise<[T[], T[]]> {
  const floorRuns: T[] = []
  const edgeRuns: T[] = []
  for (let r = 0; r < ROUNDS; r++) {
    await settle()
    floorRuns.push(await floorRun())
    await settle()
    edgeRuns.push(await edgeRun())
  }
  return [floorRuns, edgeRuns]
}

async function main() {
  const { floor, edge, apiKey, gatewayPid, stop } = await startBenchStack()
  try {
    console.log(`warming up: ${WARM_S} s of saturation per Worker …`)
    await saturate(floor.url, undefined, WARM_S)
    await saturate(edge.url, apiKey, WARM_S)

    // Fixed rate first, and a pause after each run: the edge's log consumer drains its backlog between runs
    // instead of competing with the next one for the two cores.
    console.log(
      `fixed rate: ${FIXED_RATE} req/s evenly paced, ${ROUNDS} rounds of ${FIXED_S}s each …`,
    )
    const [floorRuns, edgeRuns] = await alternate(
      () => fixed(floor.url, undefined, FIXED_S),
      () => fixed(edge.url, apiKey, FIXED_S),
    )
    const floorFixed = summarize(floorRuns)
    const edgeFixed = summarize(edgeRuns)
    console.log(
      `saturation: autocannon, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SATURATION_S}s each …`,
    )
    const [floorRounds, edgeRounds] = await alternate(
      () => saturate(floor.url, undefined, SATURATION_S, { worker: floor.pid }),
      () => saturate(edge.url, apiKey, SATURATION_S, { worker: edge.pid, gateway: gatewayPid }),
    )
    const floorSat = pool(floorRounds)
    const edgeSat = pool(edgeRounds)
    const roundRatios = edgeRounds.map((e, i) => (e.rps / floorRounds[i]!.rps).toFixed(2))

    const sat = (name: string, f: ReturnType<typeof pool>) =>
      `| ${name} | ${f.rps.toFixed(0)} | ${f.perRound.join(', ')} | ${f.p50} | ${f.p99} | ${f.requests} | ${f.errors} | ${ms(f.workerMsPerReq)} | ${ms(f.gatewayMsPerReq)} |`
    const fix = (name: string, f: PacedResult) =>
      `| ${name} | ${f.rate} | ${f.p50} | ${f.p90} | ${f.p99} | ${f.max} | ${f.sent} | ${f.errors} |`
    const report = [
      `Saturation (autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SATURATION_S} s per Worker, pooled; p50/p99 request-weighted over rounds):`,
      '',
      '| worker | req/s | req/s by round | p50 ms | p99 ms | requests | errors | CPU ms/req: Worker processes | CPU ms/req: gateway |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|',
      sat('floor (one KV value as JSON)', floorSat),
      sat('edge, cached_user', edgeSat),
      '',
      `Fixed rate (open loop, evenly paced, latency from each request's due time, ${ROUNDS} alternating rounds of ${FIXED_S} s per Worker, pooled):`,
      '',
      '| worker | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      fix('floor (one KV value as JSON)', floorFixed),
      fix('edge, cached_user', edgeFixed),
      '',
      `throughput ratio edge/floor at saturation: ${(edgeSat.rps / floorSat.rps).toFixed(2)} (target ≥ 0.50; by round: ${roundRatios.join(', ')})`,
      `CPU ms/req: user + system time of the Worker's processes (wrangler's host, its proxy workerd and the Worker's workerd) and of the gateway during the saturation rounds, over requests served`,
      `p99 at ${FIXED_RATE} req/s: edge ${edgeFixed.p99} ms, floor ${floorFixed.p99} ms (target: edge < 10 ms)`,
    ].join('\n')
    console.log(`\n${report}\n`)
    await mkdir(path.join(root, 'bench/results'), { recursive: true })
    await writeFile(
      path.join(root, 'bench/results/edge.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          connections: CONNECTIONS,
          rounds: ROUNDS,
          floorRounds,
          edgeRounds,
          floorSat,
          edgeSat,
          floorFixed,
          edgeFixed,
        },
        null,
        2,
      ),
    )
    await writeFile(path.join(root, 'bench/results/edge.md'), report + '\n')
    if ([floorSat, edgeSat, floorFixed, edgeFixed].some((f) => f.errors > 0)) {
      console.error('some requests failed: the figures above are not valid')
      process.exitCode = 1
    }
  } finally {
    await stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
