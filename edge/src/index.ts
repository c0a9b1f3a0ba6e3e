import { createApp } from './app'
import { parseConfig, type Env } from './env'
import type { LogMessage } from './adapters/decision-log/message'
import { UpstashLogClaims } from './adapters/log-claims/upstash'
import { consumeLogBatch } from './queue/consumer'

export { createApp } from './app'
export { consumeLogBatch, logObjectKey } from './queue/consumer'

const app = createApp()
let claims: { env: Env; claims: UpstashLogClaims } | undefined

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (claims?.env !== env) {
      const config = parseConfig(env)
      claims = {
        env,
        claims: new UpstashLogClaims({
          url: config.UPSTASH_REDIS_REST_URL,
          token: config.UPSTASH_REDIS_REST_TOKEN,
        }),
      }
    }
    await consumeLogBatch(batch, env.LOG_BUCKET, claims.claims)
  },
} satisfies ExportedHandler<Env, LogMessage>
