import type { Env as EdgeEnv } from '../src/env'

declare global {
  namespace Cloudflare {
    // The bindings the tests see are the Worker's own (wrangler.toml plus vitest.config.ts overrides).
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends EdgeEnv {}
  }
}
