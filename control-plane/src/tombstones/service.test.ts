import { redisKeys } from '@recsys/shared'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../audit/write'
import { auditLog, tenants, tombstones } from '../db/schema/index'
import { openHarness, type Harness } from '../kill-switches/test-harness'
import {
  listTombstones,
  markFolded,
  syncTombstones,
  tombstoneItem,
  unfoldedTombstones,
  type TombstoneDeps,
} from './service'

const op: Actor = { id: 'op-1', role: 'operator' }

describe('tombstone service (PGlite + Upstash gateway over real Redis)', () => {
  let t: Harness
  let deps: TombstoneDeps
  const created: string[] = []
  let n = 0
  /** A new tenant row whose id contains this run's id; its Redis set is deleted afterwards. */
  async function newTenant(): Promise<string> {
    const id = `tb-${t.run}-${++n}`
    await t.h.db.insert(tenants).values({ id, name: id })
    created.push(id)
    return id
  }
  const members = async (tenant: string) =>
    ((await t.redis.smembers(redisKeys.tombstones(tenant))) as string[]).sort()
  const audits = (tenant: string) =>
    t.h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenant_id, tenant), eq(auditLog.action, 'item.tombstone')))

  beforeAll(async () => {
    t = await openHarness()
    deps = { db: t.h.db, redis: t.redis }
  })
  afterAll(async () => {
    for (const id of created) await t.redis.del(redisKeys.tombstones(id))
    await t.close()
  })

  it('writes the row and an audit row, and adds the item to the Redis set', async () => {
    const ten = await newTenant()
    const r = await tombstoneItem(deps, {
      tenant: ten,
      item_id: 'sku-1',
      reason: 'recalled',
      actor: op,
      request_id: 'req-9',
    })
    expect(r.ok && r.value).toMatchObject({
      created: true,
      redis: 'pushed',
      tombstone: { tenant_id: ten, item_id: 'sku-1', reason: 'recalled', created_by: 'op-1' },
    })
    expect(await members(ten)).toEqual(['sku-1'])
    expect(await audits(ten)).toMatchObject([
      {
        actor: 'op-1',
        role: 'operator',
        target: 'sku-1',
        reason: 'recalled',
        request_id: 'req-9',
        before: null,
        after: { item_id: 'sku-1', reason: 'recalled', folded_into: null },
      },
    ])
  })

  it('is idempotent: one row, the first reason kept, one audit row, SADD repeated', async () => {
    const ten = await newTenant()
    await tombstoneItem(deps, { tenant: ten, item_id: 'sku-1', reason: 'first', actor: op })
    await t.redis.srem(redisKeys.tombstones(ten), 'sku-1')
    const again = await tombstoneItem(deps, {
      tenant: ten,
      item_id: 'sku-1',
      reason: 'second',
      actor: { id: 'op-2', role: 'admin' },
    })
    expect(again.ok && again.value).toMatchObject({
      created: false,
      redis: 'pushed',
      tombstone: { reason: 'first', created_by: 'op-1' },
    })
    expect(await listTombstones(deps, ten)).toHaveLength(1)
    expect(await audits(ten)).toHaveLength(1)
    expect(await members(ten)).toEqual(['sku-1'])
  })

  it('an unknown tenant is NOT_FOUND and writes nothing', async () => {
    const ten = `tb-${t.run}-missing`
    created.push(ten)
    const r = await tombstoneItem(deps, { tenant: ten, item_id: 'sku-1', reason: 'x', actor: op })
    expect(r).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: `tenant "${ten}" does not exist` },
    })
    expect(await t.h.db.select().from(tombstones).where(eq(tombstones.tenant_id, ten))).toEqual([])
    expect(await audits(ten)).toEqual([])
    expect(await members(ten)).toEqual([])
  })

  it('bad ids and an empty reason are BAD_REQUEST', async () => {
    const ten = await newTenant()
    for (const input of [
      { tenant: ten, item_id: 'a:b', reason: 'x' },
      { tenant: ten, item_id: '', reason: 'x' },
      { tenant: 'a b', item_id: 'sku', reason: 'x' },
      { tenant: ten, item_id: 'sku', reason: ' ' },
    ]) {
      const r = await tombstoneItem(deps, { ...input, actor: op })
      expect(r.ok ? 'ok' : r.error.code).toBe('BAD_REQUEST')
    }
    expect(await listTombstones(deps, ten)).toEqual([])
  })

  it('a failed SADD keeps the row and says pending; calling again pushes it', async () => {
    const ten = await newTenant()
    const input = { tenant: ten, item_id: 'sku-x', reason: 'legal', actor: op }
    const first = await tombstoneItem({ ...deps, redis: t.broken }, input)
    expect(first.ok && first.value).toMatchObject({ created: true, redis: 'pending' })
    expect(await listTombstones(deps, ten)).toHaveLength(1)
    expect(await members(ten)).toEqual([])
    const retry = await tombstoneItem(deps, input)
    expect(retry.ok && retry.value).toMatchObject({ created: false, redis: 'pushed' })
    expect(await members(ten)).toEqual(['sku-x'])
    expect(await audits(ten)).toHaveLength(1)
  })

  it('the sync pushes every tombstone left pending, a folded one too, and nothing twice', async () => {
    const ten = await newTenant()
    const offline = { ...deps, redis: t.broken }
    for (const item_id of ['sku-a', 'sku-b']) {
      const r = await tombstoneItem(offline, { tenant: ten, item_id, reason: 'legal', actor: op })
      expect(r.ok && r.value.redis).toBe('pending')
    }
    // Folded into a release: a rollback to an earlier release still needs it in Redis.
    await t.h.db.transaction((tx) => markFolded(tx, ten, ['sku-b'], 'rel-1'))
    expect(await members(ten)).toEqual([])
    expect(await syncTombstones(deps)).toEqual({ ok: true, value: { pushed: 2, tenants: 1 } })
    expect(await members(ten)).toEqual(['sku-a', 'sku-b'])
    expect(await syncTombstones(deps)).toEqual({ ok: true, value: { pushed: 0, tenants: 0 } })
    const down = await syncTombstones(offline)
    expect(down.ok ? 'ok' : down.error.code).toBe('UNAVAILABLE')
  })

  it('the sync pushes only tenants whose set is short (one SCARD each), and the whole tenant then', async () => {
    const full = await newTenant()
    const short = await newTenant()
    for (const [ten, item_id] of [
      [full, 'x1'],
      [full, 'x2'],
      [short, 'y1'],
      [short, 'y2'],
    ] as const)
      await tombstoneItem(deps, { tenant: ten, item_id, reason: 'legal', actor: op })
    // Redis lost a member (a flush, an eviction): only that tenant is pushed again.
    await t.redis.srem(redisKeys.tombstones(short), 'y2')
    // A test-only decorator around the real client that records which tenants' sets get a SADD.
    const added: string[] = []
    const recording = new Proxy(t.redis, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown
        if (prop !== 'sadd' || typeof v !== 'function') return v
        return (key: string, ...members: string[]) => {
          added.push(key)
          return (v as (...a: string[]) => Promise<number>).call(target, key, ...members)
        }
      },
    })
    const r = await syncTombstones({ ...deps, redis: recording })
    expect(r).toEqual({ ok: true, value: { pushed: 1, tenants: 1 } })
    expect(added).toEqual([redisKeys.tombstones(short)])
    expect(await members(short)).toEqual(['y1', 'y2'])
  })

  it('markFolded marks only unfolded rows of the tenant; unfolded lists the rest', async () => {
    const ten = await newTenant()
    const other = await newTenant()
    for (const item of ['c', 'a', 'b'])
      await tombstoneItem(deps, { tenant: ten, item_id: item, reason: 'r', actor: op })
    await tombstoneItem(deps, { tenant: other, item_id: 'a', reason: 'r', actor: op })
    expect(await unfoldedTombstones(deps, ten)).toEqual(['a', 'b', 'c'])

    const marked = await t.h.db.transaction((tx) => markFolded(tx, ten, ['b', 'a', 'zz'], 'rel-1'))
    expect(marked).toEqual(['a', 'b'])
    expect(await unfoldedTombstones(deps, ten)).toEqual(['c'])
    expect(await unfoldedTombstones(deps, other)).toEqual(['a'])

    // Already folded rows keep the first release.
    expect(await t.h.db.transaction((tx) => markFolded(tx, ten, ['a', 'c'], 'rel-2'))).toEqual([
      'c',
    ])
    const rows = await listTombstones(deps, ten)
    expect(Object.fromEntries(rows.map((r) => [r.item_id, r.folded_into]))).toEqual({
      a: 'rel-1',
      b: 'rel-1',
      c: 'rel-2',
    })
    expect(await t.h.db.transaction((tx) => markFolded(tx, ten, [], 'rel-3'))).toEqual([])
  })

  it('markFolded rolls back with the publish transaction', async () => {
    const ten = await newTenant()
    await tombstoneItem(deps, { tenant: ten, item_id: 'a', reason: 'r', actor: op })
    await expect(
      t.h.db.transaction(async (tx) => {
        await markFolded(tx, ten, ['a'], 'rel-failed')
        throw new Error('publish failed')
      }),
    ).rejects.toThrow('publish failed')
    expect(await unfoldedTombstones(deps, ten)).toEqual(['a'])
  })
})
