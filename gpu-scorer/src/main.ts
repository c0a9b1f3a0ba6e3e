/**
 * The scorer as a process (`npx tsx gpu-scorer/src/main.ts`): configuration from the environment, JSON log lines
 * on stdout, `scorer listening on http://HOST:PORT` once it listens. Exit 2 on a bad environment.
 *
 *   SCORER_TOKEN (required) · SCORER_HOST (127.0.0.1) · SCORER_PORT (8789) · SCORER_DATA_DIR (.data/scorer)
 *   SCORER_TENANTS (comma list; default: every tenant folder with a current.json) · SCORER_POLL_MS (1000)
 *   SCORER_MAX_BATCH (4096) · SCORER_MAX_WAIT_MS (0: the end of the event-loop turn) · SCORER_MAX_BATCH_REQUESTS (unlimited; 1 = batching off)
 *   SCORER_EXECUTION_PROVIDER (auto | cpu | cuda)
 *   SCORER_DEFAULT_DEADLINE_MS (100) · UPSTASH_REDIS_REST_URL / _TOKEN (optional: kill switches source.<id>)
 */
import { parseEnv, tenantList } from './config'
import { upstashKillSwitches } from './kill-switches/kill-switch-reader'
import { jsonLogger } from './log'
import { startScorer } from './server'

async function main() {
  const env = parseEnv(process.env)
  if (!env.ok) {
    process.stderr.write(`scorer: bad environment\n${env.error}\n`)
    process.exit(2)
  }
  const e = env.value
  const log = jsonLogger()
  const scorer = await startScorer({
    token: e.SCORER_TOKEN,
    host: e.SCORER_HOST,
    port: e.SCORER_PORT,
    dataDir: e.SCORER_DATA_DIR,
    tenants: tenantList(e.SCORER_TENANTS),
    pollMs: e.SCORER_POLL_MS,
    maxBatch: e.SCORER_MAX_BATCH,
    maxWaitMs: e.SCORER_MAX_WAIT_MS,
    maxBatchRequests: e.SCORER_MAX_BATCH_REQUESTS,
    executionProvider: e.SCORER_EXECUTION_PROVIDER,
    inferenceThread: e.SCORER_INFERENCE_THREAD,
    defaultDeadlineMs: e.SCORER_DEFAULT_DEADLINE_MS,
    killSwitches:
      e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN
        ? upstashKillSwitches({ url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN })
        : undefined,
    log,
  })
  process.stdout.write(`scorer listening on http://${e.SCORER_HOST}:${scorer.port}\n`)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log('scorer stopping', { signal })
    await scorer.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

void main().catch((e: unknown) => {
  process.stderr.write(`scorer: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
