import net from 'node:net'
import type { TestProject } from 'vitest/node'
import { startGateway } from '../../dev/src/gateway/server'
import { ensureRedis } from '../../dev/src/redis/ensure-redis'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A TCP port that accepts connections and never answers: a user-state store that hangs. */
    blackholeUrl: string
  }
}

/**
 * Runs in Node before the edge tests: real Redis (the running one, else redis-server from PATH) behind the
 * Upstash gateway on the port vitest.config.ts chose, so the Worker's bindings point at it.
 */
export default async function setup(project: TestProject) {
  const port = Number(process.env.RECSYS_TEST_GATEWAY_PORT)
  if (!port) throw new Error('RECSYS_TEST_GATEWAY_PORT is not set (see vitest.config.ts)')
  const redis = await ensureRedis()
  const gateway = await startGateway({ port, redisUrl: redis.url, token: 'test-token' })
  const sockets = new Set<net.Socket>()
  const blackhole = net.createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r))
  project.provide(
    'blackholeUrl',
    `http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`,
  )
  return async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => blackhole.close(() => r()))
    await gateway.close()
    await redis.stop()
  }
}
