import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/**
 * Three projects: `shared` and `dev` run in Node; `edge` runs inside workerd with real Miniflare KV, R2 and Queues,
 * and reaches real Redis through the Upstash gateway that `dev/test/global-setup.ts` starts.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'shared', include: ['shared/src/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'dev', include: ['dev/**/*.test.ts'], environment: 'node', testTimeout: 20_000 } },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: { UPSTASH_REDIS_REST_TOKEN: 'test-token', TRACKING_SECRET: 'test-tracking-secret' },
            },
          }),
        ],
        test: {
          name: 'edge',
          include: ['edge/**/*.test.ts'],
          globalSetup: ['./edge/test/global-setup.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
})
