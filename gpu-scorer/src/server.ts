import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createScorerApp } from './app'
import { LocalArtifactStore, type ArtifactStore } from './artifacts/artifact-store'
import { ReleaseManager } from './artifacts/release-manager'
import type { ExecutionProviderChoice, InferenceThreadChoice } from './config'
import { noKillSwitches, type KillSwitchReader } from './kill-switches/kill-switch-reader'
import { jsonLogger, type Logger } from './log'
import { ScorerMetrics } from './metrics/scorer-metrics'

export interface ScorerOptions {
  /** Required: the service token callers send as `authorization: Bearer <token>`. */
  token: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** The scorer artifact store root (`<dataDir>/<tenant>/current.json` …). */
  dataDir?: string
  /** Another store adapter instead of the local directory. */
  store?: ArtifactStore
  /** Fixed tenants; default: every folder of the data dir with a current.json, rescanned on each poll. */
  tenants?: readonly string[]
  pollMs?: number
  maxBatch?: number
  maxWaitMs?: number
  /** At most this many requests per inference batch; 1 turns batching across requests off. */
  maxBatchRequests?: number
  executionProvider?: ExecutionProviderChoice
  /** Where inference runs (default `auto`: measured per model at load). */
  inferenceThread?: InferenceThreadChoice
  defaultDeadlineMs?: number
  killSwitches?: KillSwitchReader
  log?: Logger
  /** Wait for the first load of every tenant before resolving (default false: /healthz says when). */
  waitForLoad?: boolean
}

export interface RunningScorer {
  url: string
  port: number
  releases: ReleaseManager
  metrics: ScorerMetrics
  close(): Promise<void>
}

/** Starts the scorer: HTTP server, then the release manager's polling (its first pass in the background). */
export async function startScorer(opts: ScorerOptions): Promise<RunningScorer> {
  if (!opts.token) throw new Error('the scorer needs a service token')
  const log = opts.log ?? jsonLogger()
  const metrics = new ScorerMetrics()
  const releases = new ReleaseManager({
    store: opts.store ?? new LocalArtifactStore(opts.dataDir ?? '.data/scorer'),
    tenants: opts.tenants,
    pollMs: opts.pollMs ?? 1000,
    provider: opts.executionProvider ?? 'auto',
    inferenceThread: opts.inferenceThread ?? 'auto',
    maxBatch: opts.maxBatch ?? 4096,
    maxWaitMs: opts.maxWaitMs ?? 0,
    maxRequests: opts.maxBatchRequests,
    onBatch: (rows) => metrics.batchRows.observe(rows),
    log,
    metrics,
  })
  const app = createScorerApp({
    token: opts.token,
    releases,
    metrics,
    killSwitches: opts.killSwitches ?? noKillSwitches,
    defaultDeadlineMs: opts.defaultDeadlineMs ?? 100,
    log,
  })
  const host = opts.host ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 8789, hostname: host }, () => resolve(s))
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const first = releases.start()
  if (opts.waitForLoad) await first
  else void first
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    releases,
    metrics,
    async close() {
      await releases.close()
      await new Promise<void>((r) => {
        server.close(() => r())
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      })
    },
  }
}
