import { Redis } from 'ioredis'

/**
 * True when a Redis at `url` answers PING within `timeoutMs`. Makes one attempt, never retries,
 * and always disconnects, so probing a closed port costs one refused connection.
 */
export async function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  // Connection errors surface through connect()/ping(); without a listener ioredis would print them.
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}
