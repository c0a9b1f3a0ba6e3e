import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from '@upstash/redis'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../net/free-port.js'
import { startGateway, type Gateway } from './server.js'

// What the gateway does when its Redis is not there: answer fast, never hang, recover later.
const token = 'unavailable-test-token'
/**
 * The upper bound on each answer here. They come at once (a refused connect, no offline queue), so the bound is not
 * a latency target: it is far above what load on loopback costs, and far below what a gateway that waits for Redis
 * would take (its command timeout is set to COMMAND_TIMEOUT_MS, past the test's own timeout).
 */
const HANG_MS = 10_000
const COMMAND_TIMEOUT_MS = 60_000
let gateway: Gateway | undefined
let server: ChildProcess | undefined

afterEach(async () => {
  await gateway?.close()
  gateway = undefined
  if (server !== undefined && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve))
    server.kill('SIGKILL')
    await exited
  }
  server = undefined
})

async function ping(g: Gateway): Promise<{ status: number; json: unknown; ms: number }> {
  const started = performance.now()
  const res = await fetch(`${g.url}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '["PING"]',
  })
  return { status: res.status, json: await res.json(), ms: performance.now() - started }
}

/** Starts redis-server on a given port (unlike ensureRedis, which picks its own). */
function startRedisServerOn(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  })
}

/** Polls until `check` holds; false after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

describe('gateway without a reachable Redis', () => {
  it('starts, and answers 503 fast when its Redis URL points at a closed port', async () => {
    const port = await freePort()
    const startedAt = performance.now()
    gateway = await startGateway({
      port: 0,
      redisUrl: `redis://127.0.0.1:${port}`,
      token,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    })
    expect(performance.now() - startedAt).toBeLessThan(HANG_MS)

    const { status, json, ms } = await ping(gateway)
    expect(status).toBe(503)
    expect(json).toEqual({ error: expect.stringMatching(/unavailable: .*ECONNREFUSED/) })
    expect(ms).toBeLessThan(HANG_MS)

    const health = await fetch(`${gateway.url}/healthz`)
    expect(health.status).toBe(503)

    const client = new Redis({
      url: gateway.url,
      token,
      enableTelemetry: false,
      retry: { retries: 0 },
    })
    const clientStarted = performance.now()
    await expect(client.get('k')).rejects.toThrow(/unavailable/)
    expect(performance.now() - clientStarted).toBeLessThan(HANG_MS)
  })

  it('picks Redis up when it appears, and fails fast again when it goes away', async () => {
    const port = await freePort()
    gateway = await startGateway({
      port: 0,
      redisUrl: `redis://127.0.0.1:${port}`,
      token,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    })
    expect((await ping(gateway)).status).toBe(503)

    server = startRedisServerOn(port)
    const g = gateway
    expect(
      await eventually(async () => (await fetch(`${g.url}/healthz`)).status === 200, 20_000),
    ).toBe(true)
    expect((await ping(gateway)).json).toEqual({ result: 'PONG' })

    const exited = new Promise((resolve) => server?.once('exit', resolve))
    server.kill('SIGKILL')
    await exited
    // The first requests may race the disconnect notice: polled until the gateway has noticed.
    expect(await eventually(async () => (await ping(g)).status === 503, 20_000)).toBe(true)
    const { status, ms } = await ping(gateway)
    expect(status).toBe(503)
    expect(ms).toBeLessThan(HANG_MS)
  }, 60_000)
})
