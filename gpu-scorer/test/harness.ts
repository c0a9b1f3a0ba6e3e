import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { RankRequestInput } from '@recsys/shared'
import { memoryLogger } from '../src/log'
import { startScorer, type RunningScorer, type ScorerOptions } from '../src/server'

export const TOKEN = 'test-scorer-token'

/** Fetch options that carry the service token (`/v1/*`, `/metrics`, and `/healthz`'s tenant list need it). */
export const AUTH = { headers: { authorization: `Bearer ${TOKEN}` } }

/** A temp directory for a scorer store, removed by the returned function. */
export async function tempStore(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'scorer-test-'))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** A real scorer over HTTP on a free port, with its log captured. */
export async function scorerOn(
  dir: string,
  opts: Partial<ScorerOptions> = {},
): Promise<RunningScorer & { log: ReturnType<typeof memoryLogger> }> {
  const log = memoryLogger()
  const s = await startScorer({
    token: TOKEN,
    port: 0,
    dataDir: dir,
    pollMs: 50,
    executionProvider: 'cpu',
    waitForLoad: true,
    log,
    ...opts,
  })
  return { ...s, log }
}

export function rankCall(
  url: string,
  body: RankRequestInput | unknown,
  opts: { token?: string | null; deadlineMs?: number; raw?: string } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`
  if (opts.deadlineMs !== undefined) headers['x-deadline-ms'] = String(opts.deadlineMs)
  return fetch(`${url}/v1/rank`, {
    method: 'POST',
    headers,
    body: opts.raw ?? JSON.stringify(body),
  })
}

/** Waits until `check` holds, polling; throws after `ms`. */
export async function until(check: () => Promise<boolean> | boolean, ms = 10_000) {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** The value of one Prometheus sample line, or undefined. */
export function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}
