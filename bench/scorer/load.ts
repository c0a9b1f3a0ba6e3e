import autocannon from 'autocannon'
import { pacedLoad, summarize } from '../lib/paced-load'
import { processCpuMs } from '../lib/proc-cpu'

/** One measured row: a load level against one scorer configuration and model. */
export interface LoadRow {
  /** Which scorer configuration (micro-batched, batching off) or end-to-end path. */
  name: string
  model: string
  /** `closed N`: autocannon, N connections; `R req/s`: evenly paced open loop. */
  load: string
  rps: number
  p50: number
  p99: number
  max?: number
  requests: number
  errors: number
  /** Mean rows per `session.run` during the run (from the scorer's /metrics). */
  batchRows?: number
  /** Mean candidates scored per request. */
  scored?: number
  /** CPU time (user + system) of the scorer process per request, ms. */
  cpuMs?: number
  /** p50 of each stage the scorer timed itself (`timings_ms` of the responses), ms. */
  stages?: StageP50
}

/** The scorer's own stage timings (`timings_ms`): inference includes the wait for its micro-batch. */
export const STAGES = ['retrieve', 'features', 'inference', 'total'] as const
export type StageP50 = Record<(typeof STAGES)[number], number>

const STAGE_PATTERNS = Object.fromEntries(
  STAGES.map((k) => [k, new RegExp(`"${k}":([0-9.eE+-]+)`)]),
) as Record<(typeof STAGES)[number], RegExp>

/** Collects `timings_ms` from response bodies and gives the p50 of each stage. */
function stageRecorder() {
  const seen: Record<string, number[]> = Object.fromEntries(STAGES.map((k) => [k, []]))
  return {
    record(body: string) {
      const at = body.indexOf('"timings_ms":')
      if (at < 0) return
      const timings = body.slice(at)
      for (const k of STAGES) {
        const m = STAGE_PATTERNS[k].exec(timings)
        if (m) seen[k]!.push(Number(m[1]))
      }
    },
    p50(): StageP50 | undefined {
      if (seen.total!.length === 0) return undefined
      const q = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
      return Object.fromEntries(STAGES.map((k) => [k, q(seen[k]!)])) as StageP50
    },
  }
}

export interface Target {
  url: string
  token: string
  pid: number
  tenant: string
  body: (i: number) => string
}

async function scrape(t: Target) {
  const text = await (
    await fetch(`${t.url}/metrics`, {
      headers: { authorization: `Bearer ${t.token}` },
    })
  ).text()
  const v = (s: string) =>
    Number(
      /^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(s + ' ')) ?? '')?.[2] ?? 0,
    )
  return {
    batchSum: v('scorer_batch_rows_sum'),
    batchCount: v('scorer_batch_rows_count'),
    scored: v(`scorer_scored_candidates_total{tenant="${t.tenant}"}`),
    requests: v('scorer_stage_duration_ms_count{stage="total"}'),
    cpu: processCpuMs(t.pid),
  }
}

async function measured(
  t: Target,
  run: () => Promise<Omit<LoadRow, 'batchRows' | 'scored' | 'cpuMs'>>,
): Promise<LoadRow> {
  const before = await scrape(t)
  const row = await run()
  const after = await scrape(t)
  const requests = Math.max(1, after.requests - before.requests)
  return {
    ...row,
    batchRows:
      (after.batchSum - before.batchSum) / Math.max(1, after.batchCount - before.batchCount),
    scored: (after.scored - before.scored) / requests,
    cpuMs: (after.cpu - before.cpu) / requests,
  }
}

const headers = (t: Target) => ({
  authorization: `Bearer ${t.token}`,
  'content-type': 'application/json',
  'x-deadline-ms': '1000',
})

/**
 * Closed loop: autocannon with `connections` connections for `seconds`. Latencies are each response's own time as
 * autocannon measures it (hrtime, in fractions of a millisecond): its summary histogram keeps whole milliseconds,
 * too coarse for a ~1 ms request (its p50 read 0 or 1 ms where the scorer alone had timed 0.8 and 1.5 ms).
 */
export const closedLoop = (
  t: Target,
  names: { name: string; model: string },
  connections: number,
  seconds: number,
) =>
  measured(t, async () => {
    let n = 0
    const stages = stageRecorder()
    const latencies: number[] = []
    const r = await new Promise<autocannon.Result>((resolve, reject) => {
      const run = autocannon(
        {
          url: t.url,
          connections,
          duration: seconds,
          requests: [
            {
              method: 'POST',
              path: '/v1/rank',
              headers: headers(t),
              setupRequest: (req) => ({ ...req, body: t.body(n++) }),
              onResponse: (_status, body) => stages.record(body),
            },
          ],
        },
        (e, result) => (e ? reject(e as Error) : resolve(result)),
      )
      run.on('response', (_client, _status, _bytes, ms: number) => latencies.push(ms))
    })
    const q = summarize([{ rate: 0, sent: latencies.length, errors: 0, latencies }])
    return {
      ...names,
      load: `closed ${connections}`,
      rps: r.requests.average,
      p50: q.p50,
      p99: q.p99,
      max: q.max,
      requests: r.requests.total,
      errors: r.errors + r.timeouts + r.non2xx,
      stages: stages.p50(),
    }
  })

/** Open loop at a fixed rate, evenly paced, latency from each request's due time. */
export const openLoop = (
  t: Target,
  names: { name: string; model: string },
  rate: number,
  seconds: number,
) =>
  measured(t, async () => {
    const t0 = performance.now()
    const stages = stageRecorder()
    const r = await pacedLoad({
      url: t.url,
      rate,
      seconds,
      request: (i) => ({ method: 'POST', path: '/v1/rank', headers: headers(t), body: t.body(i) }),
      onResponse: (_status, body) => stages.record(body),
    })
    return {
      ...names,
      load: `${rate} req/s`,
      rps: (r.sent - r.errors) / ((performance.now() - t0) / 1000),
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      requests: r.sent,
      errors: r.errors,
      stages: stages.p50(),
    }
  })
