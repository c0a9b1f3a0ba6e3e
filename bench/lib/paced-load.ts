import { Pool } from 'undici'

export interface PacedResult {
  rate: number
  sent: number
  errors: number
  p50: number
  p90: number
  p99: number
  max: number
}

/** What to send, where, and how fast. */
export interface PacedOptions {
  url: string
  rate: number
  seconds: number
  connections?: number
  request: (i: number) => {
    method: 'GET' | 'POST'
    path: string
    headers?: Record<string, string>
    body?: string
  }
  /** Sees every response (status and body), e.g. to count what was served. */
  onResponse?: (status: number, body: string, i: number) => void
}

/** The raw run: every request's latency (ms, from its due time), for pooling runs before taking quantiles. */
export interface PacedSamples {
  rate: number
  sent: number
  errors: number
  latencies: number[]
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate and its latency is measured from that due
 * time, so queueing in the client counts (no coordinated omission). Requests are spread evenly, never in bursts.
 * @note autocannon's `overallRate` sends each second's quota at once and then idles, which measures bursts.
 */
export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  return summarize([await pacedSamples(opts)])
}

export async function pacedSamples(opts: PacedOptions): Promise<PacedSamples> {
  const origin = new URL(opts.url).origin
  const pool = new Pool(origin, { connections: opts.connections ?? 32, pipelining: 1 })
  const total = Math.round(opts.rate * opts.seconds)
  const latencies: number[] = []
  let errors = 0
  const start = performance.now() + 50
  const inflight: Promise<void>[] = []
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const req = opts.request(i)
    inflight.push(
      pool
        .request({
          origin,
          method: req.method,
          path: req.path,
          headers: req.headers,
          body: req.body,
        })
        .then(async (res) => {
          const body = await res.body.text()
          if (res.statusCode !== 200) errors++
          latencies.push(performance.now() - due)
          opts.onResponse?.(res.statusCode, body, i)
        })
        .catch(() => {
          errors++
        }),
    )
  }
  await Promise.all(inflight)
  await pool.close()
  return { rate: opts.rate, sent: total, errors, latencies }
}

/** Quantiles over the pooled latencies of one or more runs at the same rate. */
export function summarize(runs: readonly PacedSamples[]): PacedResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b)
  const q = (p: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN)
  return {
    rate: runs[0]?.rate ?? 0,
    sent: runs.reduce((n, r) => n + r.sent, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: q(1 - 1e-9),
  }
}

const round = (x: number) => Math.round(x * 100) / 100
