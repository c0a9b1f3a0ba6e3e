import { Pool, neonConfig } from '@neondatabase/serverless'
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalNeonPool, useLocalNeonProxy } from './local-neon.js'
import { PG_URL, within } from './test-support.js'
import { startNeonWsProxy, type WsProxy } from './ws-proxy.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function proxyWith(allowedTargets?: string[]): Promise<WsProxy> {
  const proxy = await startNeonWsProxy({ allowedTargets })
  cleanups.push(() => proxy.close())
  return proxy
}

function track(pool: Pool): Pool {
  pool.on('error', () => undefined)
  cleanups.push(() => pool.end())
  return pool
}

describe('useLocalNeonProxy (global neonConfig)', () => {
  it('makes a plain new Pool() go through the proxy', async () => {
    const proxy = await proxyWith()
    const saved = { ...neonConfig.opts }
    cleanups.push(async () => void (neonConfig.opts = saved))
    useLocalNeonProxy(proxy.port)
    expect(neonConfig.useSecureWebSocket).toBe(false)
    expect(neonConfig.pipelineConnect).toBe(false)
    expect(neonConfig.forceDisablePgSSL).toBe(true)
    expect(neonConfig.pipelineTLS).toBe(false)
    const wsProxy = neonConfig.wsProxy
    expect(typeof wsProxy === 'function' && wsProxy('db', 5432)).toBe(
      `127.0.0.1:${proxy.port}/v1?address=db:5432`,
    )
    const pool = track(new Pool({ connectionString: PG_URL }))
    expect((await pool.query('select current_database() as db')).rows).toEqual([{ db: 'test' }])
  })
})

describe('createLocalNeonPool (per-client config)', () => {
  it('leaves the global neonConfig untouched', async () => {
    const proxy = await proxyWith()
    const before = { ...neonConfig.opts }
    const pool = track(createLocalNeonPool({ connectionString: PG_URL }, proxy.port))
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    expect(neonConfig.opts).toEqual(before)
  })

  it('reaches localhost under the default loopback policy', async () => {
    const proxy = await proxyWith()
    const url = 'postgres://postgres@localhost:5432/test'
    const pool = track(createLocalNeonPool({ connectionString: url }, proxy.port))
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
  })

  it('honours an explicit allowedTargets list', async () => {
    const proxy = await proxyWith(['127.0.0.1:5432'])
    const ok = track(createLocalNeonPool({ connectionString: PG_URL }, proxy.port))
    expect((await ok.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    const url = 'postgres://postgres@localhost:5432/test'
    const other = track(createLocalNeonPool({ connectionString: url }, proxy.port))
    const err = await within(
      5000,
      'unlisted target',
      other.query('select 1').catch((e: unknown) => e),
    )
    expect(err).toMatchObject({
      code: '08004',
      message: expect.stringMatching(/localhost:5432 is not allowed/),
    })
  })
})
