import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { createLocalNeonPool } from './local-neon.js'
import { PG_URL, within } from './test-support.js'
import { startNeonWsProxy } from './ws-proxy.js'

/** How long a close may take before it counts as hung: generous, the tests share two cores with other work. */
const HANG_MS = 10_000

/** How many TCP handles (servers and sockets) this process holds open. */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length
}

/** Polls until `predicate` holds, for at most `ms` (a hang guard: handles close asynchronously). */
async function settle(predicate: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (!predicate() && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  return predicate()
}

describe('closing the proxy', () => {
  it('drops live sessions, resolves, and leaves no TCP handles behind', async () => {
    const baseline = tcpHandles()
    const proxy = await startNeonWsProxy()
    const pool = createLocalNeonPool({ connectionString: PG_URL, max: 3 }, proxy.port)
    pool.on('error', () => undefined)
    await Promise.all(
      [1, 2, 3].map((n) => pool.query('select $1::int as n from pg_sleep(0.05)', [n])),
    )
    const held = await pool.connect()
    const heldErrors: unknown[] = []
    held.on('error', (e) => heldErrors.push(e))
    expect((await held.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    expect(tcpHandles()).toBeGreaterThan(baseline)

    await within(HANG_MS, 'proxy.close()', proxy.close())
    await within(HANG_MS, 'second close()', proxy.close())

    await expect(within(HANG_MS, 'query after close', held.query('select 2'))).rejects.toThrow()
    held.release(true)
    await within(HANG_MS, 'pool.end()', pool.end())

    const refused = new Promise<string>((resolve) => {
      const s = net.connect(proxy.port, '127.0.0.1')
      s.on('connect', () => resolve('connected'))
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    expect(await refused).toBe('ECONNREFUSED')
    expect(await settle(() => tcpHandles() <= baseline, HANG_MS)).toBe(true)
  })

  it('closes cleanly with nothing connected, and rejects a taken port', async () => {
    const proxy = await startNeonWsProxy()
    await expect(startNeonWsProxy({ port: proxy.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    })
    await within(HANG_MS, 'close()', proxy.close())
  })
})
