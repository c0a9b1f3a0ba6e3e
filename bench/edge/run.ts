/**
 * `npm run bench:edge`: the edge's `cached_user` path (user state in Redis through the Upstash gateway, final
 * eligibility and rerank on) against a floor Worker that returns one KV value as JSON, both under `wrangler dev`
 * on loopback, in the same run. Reports req/s, p50 and p99 of both and the ratios.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import autocannon from 'autocannon'
import { BENCH_USERS } from './data'
import { startBenchStack } from './stack'

const SATURATION_S = Number(process.env.BENCH_SATURATION_S ?? 10)
const FIXED_S = Number(process.env.BENCH_FIXED_S ?? 10)
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 200)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const root = path.resolve(import.meta.dirname, '../..')

interface Figures {
  rps: number
  p50: number
  p90: number
  p99: number
  errors: number
  requests: number
}

async function load(
  url: string,
  opts: { key?: string; seconds: number; rate?: number },
): Promise<Figures> {
  let n = 0
  const result = await autocannon({
    url,
    connections: opts.rate ? 8 : CONNECTIONS,
    duration: opts.seconds,
    ...(opts.rate && { overallRate: opts.rate }),
    requests: [
      {
        method: opts.key ? 'POST' : 'GET',
        path: opts.key ? '/v1/recommendations' : '/',
        headers: opts.key
          ? { authorization: `Bearer ${opts.key}`, 'content-type': 'application/json' }
          : {},
        setupRequest: (req) =>
          opts.key
            ? {
                ...req,
                body: JSON.stringify({
                  surface: 'home_feed',
                  subject: { user_id: `user-${n++ % BENCH_USERS}` },
                  limit: 20,
                }),
              }
            : req,
      },
    ],
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  }
}

async function main() {
  const { floor, edge, apiKey, stop } = await startBenchStack()
  try {
    console.log('warming up …')
    await load(floor.url, { seconds: 3 })
    await load(edge.url, { key: apiKey, seconds: 3 })

    console.log(`saturation, ${CONNECTIONS} connections, ${SATURATION_S}s each …`)
    const floorSat = await load(floor.url, { seconds: SATURATION_S })
    const edgeSat = await load(edge.url, { key: apiKey, seconds: SATURATION_S })
    console.log(`fixed rate ${FIXED_RATE} req/s, ${FIXED_S}s each …`)
    const floorFixed = await load(floor.url, { seconds: FIXED_S, rate: FIXED_RATE })
    const edgeFixed = await load(edge.url, { key: apiKey, seconds: FIXED_S, rate: FIXED_RATE })

    const row = (name: string, f: Figures) =>
      `| ${name} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p90} | ${f.p99} | ${f.requests} | ${f.errors} |`
    const report = [
      '| run | req/s | p50 ms | p90 ms | p99 ms | requests | errors |',
      '|---|---:|---:|---:|---:|---:|---:|',
      row('floor, saturation', floorSat),
      row('edge cached_user, saturation', edgeSat),
      row(`floor, ${FIXED_RATE} req/s`, floorFixed),
      row(`edge cached_user, ${FIXED_RATE} req/s`, edgeFixed),
      '',
      `throughput ratio edge/floor at saturation: ${(edgeSat.rps / floorSat.rps).toFixed(2)} (target ≥ 0.50)`,
      `p99 at ${FIXED_RATE} req/s: edge ${edgeFixed.p99} ms vs floor ${floorFixed.p99} ms (target < 10 ms)`,
    ].join('\n')
    console.log(`\n${report}\n`)
    await mkdir(path.join(root, 'bench/results'), { recursive: true })
    await writeFile(
      path.join(root, 'bench/results/edge.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          floorSat,
          edgeSat,
          floorFixed,
          edgeFixed,
          connections: CONNECTIONS,
        },
        null,
        2,
      ),
    )
    const failed = [floorSat, edgeSat, floorFixed, edgeFixed].some((f) => f.errors > 0)
    if (failed) {
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
