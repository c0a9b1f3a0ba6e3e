import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import net from 'node:net'
import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

/**
 * A free loopback port, chosen now so the Worker's bindings and the gateway agree on it, and taken by the global
 * setup later. Drawn below Linux's ephemeral range (32768–60999), which the OS hands to `listen(0)` and to every
 * outgoing connection: a port from that range, released here, could be given to another socket before the setup
 * binds it (a full run failed once with EADDRINUSE on the gateway's port 37757 that way).
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const srv = net.createServer()
    const ok = await new Promise<boolean>((r) => {
      srv.once('error', () => r(false))
      srv.listen(port, '127.0.0.1', () => r(true))
    })
    if (ok) {
      await new Promise<void>((r) => srv.close(() => r()))
      return port
    }
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1')
}

const gatewayPort = Number(process.env.RECSYS_TEST_GATEWAY_PORT) || (await freePort())
process.env.RECSYS_TEST_GATEWAY_PORT = String(gatewayPort)
// The fault-injecting proxy in front of the real scorer (edge/test/scorer-proxy.ts); tests use <proxy>/<lane>.
const scorerProxyPort = Number(process.env.RECSYS_TEST_SCORER_PROXY_PORT) || (await freePort())
process.env.RECSYS_TEST_SCORER_PROXY_PORT = String(scorerProxyPort)

/**
 * Test timeouts are hang guards, not performance bounds: a loaded 2-core CI machine runs the pipeline and
 * end-to-end tests several times slower than an idle one, and a test that fails only for being slow says nothing.
 * Speed is measured by the benchmarks.
 */
const HANG_GUARD_MS = 180_000

/**
 * Two workers at least. Vitest's default is one fewer than the cores, which is one worker on the 2-core CI machine:
 * the end-to-end files spend much of their time waiting on wrangler, PostgreSQL and child processes, and a second
 * worker fills that time.
 */
const MAX_WORKERS = Math.max(2, availableParallelism() - 1)

/**
 * Test files share their worker's process and module cache (`isolate: false`), in every project. Per-file isolation
 * cost a third of the CPU of the run: a fresh fork per file re-imported drizzle, PGlite, DuckDB and onnxruntime
 * (the control plane took 452 s of CPU isolated and 355 s shared). The contract that makes it safe, which every test
 * file keeps: it writes under tenants and temp folders of its own, engages only per-tenant kill switches, restores
 * what it changes in `process.env` and the fake timers it installs, and closes the servers and databases it opens.
 * Checked by running the files in shuffled orders (`npx vitest run --sequence.shuffle.files --sequence.seed=<n>`).
 */
const ISOLATE = false

/**
 * Seven projects: `shared`, `dev`, `gpu-scorer`, `client`, `trainer` and `control-plane` run in Node; `edge` runs inside workerd
 * with real Miniflare KV, R2 and Queues, and reaches real Redis through the Upstash gateway that
 * `edge/test/global-setup.ts` starts, and the real scorer through the fault proxy it starts. SCORER_URL is left unset here, so every other edge test runs the ladder without
 * a scorer; the scorer tests set it per request env to a lane of the proxy.
 */
export default defineConfig({
  test: {
    // At the root, so it runs in plain Node (the workerd plugin's resolve conditions would break ioredis).
    globalSetup: ['./edge/test/global-setup.ts'],
    maxWorkers: MAX_WORKERS,
    projects: [
      {
        test: {
          name: 'shared',
          include: ['shared/src/**/*.test.ts'],
          environment: 'node',
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        test: {
          name: 'dev',
          include: ['dev/**/*.test.ts'],
          environment: 'node',
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        test: {
          name: 'gpu-scorer',
          include: ['gpu-scorer/src/**/*.test.ts', 'gpu-scorer/test/**/*.test.ts'],
          environment: 'node',
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        test: {
          name: 'client',
          include: ['client/**/*.test.ts'],
          environment: 'node',
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        test: {
          name: 'trainer',
          include: ['trainer/src/**/*.test.ts'],
          environment: 'node',
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        test: {
          name: 'control-plane',
          include: ['control-plane/**/*.test.ts'],
          environment: 'node',
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${gatewayPort}`,
                UPSTASH_REDIS_REST_TOKEN: 'test-token',
                TRACKING_SECRET: 'test-tracking-secret',
                // The test secret is published in the repository: the edge takes it on a local dev server only.
                LOCAL_DEV: '1',
                // Generous here: the tests share two cores; the tight budget is tested with a server that hangs.
                USER_STATE_TIMEOUT_MS: '2000',
                SCORER_TOKEN: 'test-scorer-token',
                // Tests wait for each request's waitUntil (waitOnExecutionContext), the decision log's flush
                // included: short here, so timing tests (the breaker's pause) measure the request, not the flush.
                DECISION_LOG_FLUSH_MS: '20',
              },
            },
          }),
        ],
        test: {
          name: 'edge',
          include: ['edge/**/*.test.ts'],
          // One workerd runtime per pool worker for all its files, not one per file: starting workerd and importing
          // the Worker's module graph for each of 30 files took 280 of the project's 363 s (60 s now). Storage (KV,
          // R2, Redis) and module state outlive a file, under the contract above.
          isolate: ISOLATE,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
    ],
  },
})
