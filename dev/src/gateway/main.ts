/**
 * CLI entry: `tsx dev/src/gateway/main.ts`. Environment:
 * UPSTASH_GATEWAY_PORT (default 8079), UPSTASH_GATEWAY_HOST (default 127.0.0.1),
 * REDIS_URL (default redis://127.0.0.1:6379), UPSTASH_REDIS_REST_TOKEN (default dev-token),
 * UPSTASH_GATEWAY_ALLOWED_HOSTS (comma-separated Host names accepted besides loopback and the bound one).
 * Logs one line with its URL once listening; stops cleanly on SIGINT/SIGTERM.
 */
import { startGateway } from './server.js'

const log = (line: string): void => console.error(line)
const portText = process.env.UPSTASH_GATEWAY_PORT ?? '8079'
const port = Number(portText)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log(`upstash-gateway: UPSTASH_GATEWAY_PORT must be a port number, got '${portText}'`)
  process.exit(2)
}
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

const gateway = await startGateway({
  port,
  host: process.env.UPSTASH_GATEWAY_HOST ?? '127.0.0.1',
  redisUrl,
  token: process.env.UPSTASH_REDIS_REST_TOKEN ?? 'dev-token',
  allowedHosts: (process.env.UPSTASH_GATEWAY_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean),
  log,
})
console.log(`upstash-gateway listening on ${gateway.url} (redis ${redisUrl})`)

let stopping = false
const stop = (signal: string): void => {
  if (stopping) return
  stopping = true
  gateway.close().then(
    () => process.exit(0),
    (err: unknown) => {
      log(`upstash-gateway: error while stopping on ${signal}: ${String(err)}`)
      process.exit(1)
    },
  )
}
process.once('SIGINT', () => stop('SIGINT'))
process.once('SIGTERM', () => stop('SIGTERM'))
