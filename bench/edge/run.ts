/**
 * `npm run bench:edge`: the edge's `cached_user` path (user state in Redis through the Upstash gateway, final
 * eligibility and rerank on) against a floor Worker that returns one KV value as JSON, both on wrangler's local
 * dev server on loopback, in the same run. Saturation: autocannon, closed loop. Fixed rate: an open-loop, evenly
 * paced generator (bench/lib/paced-load.ts). Reports req/s, p50 and p99 of both and the ratios.
 * Knobs: BENCH_SATURATION_S, BENCH_FIXED_S, BENCH_FIXED_RATE, BENCH_CONNECTIONS, BENCH_USERS.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import autocannon from 'autocannon'
import { pacedLoad, type PacedResult } from '../lib/paced-load'
import { BENCH_USERS } from './data'
import { startBenchStack } from './stack'

const SATURATION_S = Number(process.env.BENCH_SATURATION_S ?? 10)
const FIXED_S = Number(process.env.BENCH_FIXED_S ?? 15)
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 200)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const root = path.resolve(import.meta.dirname, '../..')

interface Saturation {
  rps: number
  p50: number
  p99: number
  errors: number
  requests: number
}

const recBody = (i: number) =>
  JSON.stringify({
    surface: 'home_feed',
    subject: { user_id: `user-${i % BENCH_USERS}` },
    limit: 20,
  })

async function saturate(
  url: string,
  key: string | undefined,
  seconds: number,
): Promise<Saturation> {
  let n = 0
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: key ? 'POST' : 'GET',
        path: key ? '/v1/recommendations' : '/',
        headers: key ? { authorization: `Bearer ${key}`, 'content-type': 'application/json' } : {},
        setupRequest: (req) => (key ? { ...req, body: recBody(n++) } : req),
      },
    ],
  })
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    requests: r.requests.total,
  }
}

const fixed = (url: string, key: string | undefined, seconds: number) =>
  pacedLoad({
    url,
    rate: FIXED_RATE,
    seconds,
    request: (i) =>
      key
        ? {
            method: 'POST',
            path: '/v1/recommendations',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: recBody(i),
          }
        : { method: 'GET', path: '/' },
  })

const settle = () => new Promise((r) => setTimeout(r, 5000))

async function main() {
  const { floor, edge, apiKey, stop } = await startBenchStack()
  try {
    console.log('warming up …')
    await saturate(floor.url, undefined, 3)
    await saturate(edge.url, apiKey, 3)

    // Fixed rate first, and a pause after each run: the edge's log consumer drains its backlog between runs
    // instead of competing with the next one for the two cores.
    console.log(`fixed rate: ${FIXED_RATE} req/s evenly paced, ${FIXED_S}s each …`)
    await settle()
    const floorFixed = await fixed(floor.url, undefined, FIXED_S)
    await settle()
    const edgeFixed = await fixed(edge.url, apiKey, FIXED_S)
    console.log(`saturation: autocannon, ${CONNECTIONS} connections, ${SATURATION_S}s each …`)
    await settle()
    const floorSat = await saturate(floor.url, undefined, SATURATION_S)
    await settle()
    const edgeSat = await saturate(edge.url, apiKey, SATURATION_S)

    const sat = (name: string, f: Saturation) =>
      `| ${name} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.requests} | ${f.errors} |`
    const fix = (name: string, f: PacedResult) =>
      `| ${name} | ${f.rate} | ${f.p50} | ${f.p90} | ${f.p99} | ${f.max} | ${f.sent} | ${f.errors} |`
    const report = [
      `Saturation (autocannon, ${CONNECTIONS} connections, ${SATURATION_S} s):`,
      '',
      '| worker | req/s | p50 ms | p99 ms | requests | errors |',
      '|---|---:|---:|---:|---:|---:|',
      sat('floor (one KV value as JSON)', floorSat),
      sat('edge, cached_user', edgeSat),
      '',
      `Fixed rate (open loop, evenly paced, latency from each request's due time, ${FIXED_S} s):`,
      '',
      '| worker | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      fix('floor (one KV value as JSON)', floorFixed),
      fix('edge, cached_user', edgeFixed),
      '',
      `throughput ratio edge/floor at saturation: ${(edgeSat.rps / floorSat.rps).toFixed(2)} (target ≥ 0.50)`,
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
