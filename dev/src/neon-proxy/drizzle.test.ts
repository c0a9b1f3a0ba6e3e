import type { Pool } from '@neondatabase/serverless'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/neon-serverless'
import { integer, pgTable, text } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalNeonPool } from './local-neon.js'
import { PG_URL, direct, uniqueTable } from './test-support.js'
import { startNeonWsProxy, type WsProxy } from './ws-proxy.js'

const tableName = uniqueTable('neon_proxy_drizzle')
const items = pgTable(tableName, { id: integer('id').primaryKey(), name: text('name').notNull() })

let proxy: WsProxy
let pool: Pool

beforeAll(async () => {
  proxy = await startNeonWsProxy()
  pool = createLocalNeonPool({ connectionString: PG_URL, max: 2 }, proxy.port)
  pool.on('error', () => undefined)
  await direct(`create table ${tableName} (id int primary key, name text not null)`)
})

afterAll(async () => {
  await pool?.end()
  await proxy?.close()
  await direct(`drop table if exists ${tableName}`)
})

describe('drizzle-orm/neon-serverless over the proxy', () => {
  it('runs queries', async () => {
    const db = drizzle({ client: pool })
    const res = await db.execute<{ answer: number }>(sql`select ${41}::int + 1 as answer`)
    expect(res.rows).toEqual([{ answer: 42 }])
    await db.insert(items).values({ id: 1, name: 'one' })
    expect(await db.select().from(items)).toEqual([{ id: 1, name: 'one' }])
  })

  it('rolls back a db.transaction whose callback throws', async () => {
    const db = drizzle({ client: pool })
    const failing = db.transaction(async (tx) => {
      await tx.insert(items).values({ id: 2, name: 'two' })
      await tx.update(items).set({ name: 'changed' }).where(eq(items.id, 1))
      const seen = await tx.select().from(items).orderBy(items.id)
      expect(seen).toEqual([
        { id: 1, name: 'changed' },
        { id: 2, name: 'two' },
      ])
      throw new Error('abort on purpose')
    })
    await expect(failing).rejects.toThrow('abort on purpose')
    expect(await direct(`select id, name from ${tableName} order by id`)).toEqual([
      { id: 1, name: 'one' },
    ])
  })

  it('commits a db.transaction that returns', async () => {
    const db = drizzle({ client: pool })
    const n = await db.transaction(async (tx) => {
      await tx.insert(items).values({ id: 3, name: 'three' })
      return (await tx.select().from(items)).length
    })
    expect(n).toBe(2)
    expect(await direct(`select id from ${tableName} order by id`)).toEqual([{ id: 1 }, { id: 3 }])
  })
})
