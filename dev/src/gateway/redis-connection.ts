import { Redis } from 'ioredis'

/** A shared ioredis connection that fails fast instead of queueing while Redis is away. */
export interface RedisConnection {
  redis: Redis
  /** The URL with any password masked, for messages. */
  displayUrl: string
  /** The last connection-level error, cleared once Redis is ready again. */
  lastError(): string | undefined
  close(): Promise<void>
}

/** Options for {@link openRedisConnection}. */
export interface RedisConnectionOptions {
  url: string
  /** How long one command may take before it fails as a timeout (ms). */
  commandTimeoutMs: number
  /** How long startup waits for the first connection attempt before serving anyway (ms). */
  connectTimeoutMs: number
  log: (line: string) => void
}

/**
 * Opens the connection and waits for the first attempt to settle (ready, refused or timed out),
 * but never fails: a gateway whose Redis is down must still start and answer 503s, and it picks
 * Redis up once it appears because ioredis keeps reconnecting in the background.
 *
 * Fail-fast settings, and why:
 * - `enableOfflineQueue: false`: a command sent while disconnected is rejected at once instead of
 *   waiting, possibly forever, for a reconnect;
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: a command in flight when
 *   the connection drops fails rather than being sent again (a resent INCR could apply twice);
 * - `commandTimeout`: a Redis that accepts the connection but stops answering cannot hang requests.
 */
export async function openRedisConnection(opts: RedisConnectionOptions): Promise<RedisConnection> {
  const displayUrl = maskPassword(opts.url)
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: opts.connectTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  })
  let lastError: string | undefined
  let closing = false
  redis.on('error', (err: Error) => {
    const message = err.message || String(err)
    // ioredis repeats the same error on every reconnect attempt; log only changes.
    if (message !== lastError && !closing) opts.log(`redis ${displayUrl}: ${message}`)
    lastError = message
  })
  redis.on('ready', () => {
    if (lastError !== undefined) opts.log(`redis ${displayUrl}: connected`)
    lastError = undefined
  })
  await Promise.race([
    redis.connect().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, opts.connectTimeoutMs).unref()),
  ])
  return {
    redis,
    displayUrl,
    lastError: () => lastError,
    close: async () => {
      closing = true
      redis.disconnect()
    },
  }
}

function maskPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}
