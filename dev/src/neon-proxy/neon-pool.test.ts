import { Pool, type PoolClient } from '@neondatabase/serverless'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../net/free-port.js'
import { createLocalNeonPool } from './local-neon.js'
import { PG_URL, direct, uniqueTable, within } from './test-support.js'
import { startNeonWsProxy, type WsProxy } from './ws-proxy.js'

let proxy: WsProxy
let pool: Pool
const table = uniqueTable('neon_proxy_tx')

beforeAll(async () => {
  proxy = await startNeonWsProxy({ port: 0 })
  pool = createLocalNeonPool(
    { connectionString: PG_URL, max: 4, connectionTimeoutMillis: 5000 },
    proxy.port,
  )
  pool.on('error', () => undefined)
  await direct(`create table ${table} (id int primary key, note text not null)`)
})

afterAll(async () => {
  await pool?.end()
  await proxy?.close()
  await direct(`drop table if exists ${table}`)
})

async function rowsInTable(): Promise<number[]> {
  const rows = await direct<{ id: number }>(`select id from ${table} order by id`)
  return rows.map((r) => r.id)
}

async function withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    return await fn(client)
  } finally {
    client.release()
  }
}

describe('the real Neon Pool through the proxy', () => {
  it('runs select 1 and parameterised queries', async () => {
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    const res = await pool.query('select $1::int + $2::int as sum, $3::text as s', [2, 3, 'ünï'])
    expect(res.rows).toEqual([{ sum: 5, s: 'ünï' }])
  })

  it('runs many concurrent queries over several connections', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pool.query<{ n: number; pid: number }>(
          'select $1::int as n, pg_backend_pid() as pid from pg_sleep(0.01)',
          [i],
        ),
      ),
    )
    expect(results.map((r) => r.rows[0]?.n)).toEqual(Array.from({ length: 40 }, (_, i) => i))
    const pids = new Set(results.map((r) => r.rows[0]?.pid))
    expect(pids.size).toBeGreaterThan(1)
    expect(pids.size).toBeLessThanOrEqual(4)
  })

  it('carries multi-megabyte messages both ways', async () => {
    const big = 'x'.repeat(6 * 1024 * 1024)
    const res = await pool.query<{ len: number; back: string }>(
      'select length($1::text) as len, repeat($2::text, 3000000) as back',
      [big, 'ab'],
    )
    expect(res.rows[0]?.len).toBe(big.length)
    expect(res.rows[0]?.back.length).toBe(6_000_000)
  })

  it('rolls back an interactive transaction, leaving nothing', async () => {
    await withClient(async (client) => {
      await client.query('BEGIN')
      await client.query(`insert into ${table} (id, note) values (1, 'rolled back')`)
      const inside = await client.query(`select note from ${table} where id = 1`)
      expect(inside.rows).toEqual([{ note: 'rolled back' }])
      expect(await rowsInTable()).toEqual([]) // invisible to other sessions before commit
      await client.query('ROLLBACK')
    })
    expect(await rowsInTable()).toEqual([])
  })

  it('persists a committed transaction', async () => {
    await withClient(async (client) => {
      await client.query('BEGIN')
      await client.query(`insert into ${table} (id, note) values (2, 'kept')`)
      await client.query(`update ${table} set note = note || '!' where id = 2`)
      await client.query('COMMIT')
    })
    expect(await direct(`select id, note from ${table}`)).toEqual([{ id: 2, note: 'kept!' }])
  })

  it('rolls back when a statement fails inside the transaction', async () => {
    await withClient(async (client) => {
      await client.query('BEGIN')
      await client.query(`insert into ${table} (id, note) values (3, 'doomed')`)
      await expect(
        client.query(`insert into ${table} (id, note) values (3, 'dup')`),
      ).rejects.toMatchObject({ code: '23505' })
      await expect(client.query('select 1')).rejects.toMatchObject({ code: '25P02' })
      await client.query('ROLLBACK')
      expect((await client.query('select 2 as two')).rows).toEqual([{ two: 2 }])
    })
    expect(await rowsInTable()).toEqual([2])
  })
})

describe('targets the proxy will not reach', () => {
  it('refuses a non-loopback target before connecting, with a clear error', async () => {
    const far = createLocalNeonPool(
      { connectionString: 'postgres://postgres@10.0.0.1:5432/test' },
      proxy.port,
    )
    try {
      const err = await within(
        5000,
        'refused target',
        far.query('select 1').catch((e: unknown) => e),
      )
      expect(err).toMatchObject({
        code: '08004',
        message: expect.stringMatching(/10\.0\.0\.1:5432 is not allowed/),
      })
    } finally {
      await far.end()
    }
  })

  it('fails promptly when nothing listens on the target port', async () => {
    const port = await freePort()
    const closed = createLocalNeonPool(
      { connectionString: `postgres://postgres@127.0.0.1:${port}/test` },
      proxy.port,
    )
    try {
      // ECONNREFUSED is the refusal itself: a proxy that waited for its connect timeout would say ETIMEDOUT. The
      // limit only guards against a hang.
      const err = await within(
        15_000,
        'closed port',
        closed.query('select 1').catch((e: unknown) => e),
      )
      expect(err).toMatchObject({ code: '08001', message: expect.stringMatching(/ECONNREFUSED/) })
    } finally {
      await closed.end()
    }
  })

  it('still serves good clients afterwards', async () => {
    expect((await pool.query('select 3 as three')).rows).toEqual([{ three: 3 }])
  })
})
