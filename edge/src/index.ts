import { createApp } from './app'
import type { Env } from './env'
import type { LogMessage } from './adapters/decision-log/message'
import { consumeLogBatch } from './queue/consumer'

export { createApp } from './app'
export { consumeLogBatch, logObjectKey } from './queue/consumer'

const app = createApp()

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consumeLogBatch(batch, env.LOG_BUCKET)
  },
} satisfies ExportedHandler<Env, LogMessage>
