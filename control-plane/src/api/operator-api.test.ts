import { createHash, randomUUID } from 'node:crypto'
import { kvKeys, redisKeys } from '@recsys/shared'
import { Redis } from '@upstash/redis'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startGateway } from '@recsys/dev/gateway/server'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { createDb, migrate, type DbHandle } from '../db/client'
import { apiKeys, auditLog, tenants } from '../db/schema/index'
import { bootstrapAdmin } from '../operators/service'
import type { EdgeStoreWriter } from '../publish/edge-store'
import type { BlobStore } from '../registry/blob-store'
import { createOperatorApp } from './app'
import type { ControlPlaneServices } from './context'

/** An in-memory edge store that can be made to fail, like an unreachable edge or KV API. */
class FakeEdge implements EdgeStoreWriter {
  readonly kv = new Map<string, unknown>()
  down = false
  async putJson(entries: ReadonlyArray<{ key: string; value: unknown }>) {
    if (this.down) throw new Error('edge store unreachable')
    for (const e of entries) this.kv.set(e.key, JSON.parse(JSON.stringify(e.value)))
  }
  async getJson(key: string) {
    return this.kv.get(key) ?? null
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * PGlite in memory and the Upstash gateway over a Redis database of its own (index 15): the kill-switch sync this
 * file calls makes the whole switch hash match this test's empty database, which must not touch the hash that
 * other tests and the local stack share in database 0.
 */
async function openIsolated() {
  const h: DbHandle = await createDb({ url: 'memory://' })
  await migrate(h)
  const ensured = await ensureRedis()
  const url = new URL(ensured.url)
  url.pathname = '/15'
  const token = `oa-${randomUUID()}`
  const gateway = await startGateway({ port: 0, redisUrl: url.toString(), token })
  return {
    h,
    redis: new Redis({ url: gateway.url, token, automaticDeserialization: false }),
    broken: new Redis({
      url: 'http://127.0.0.1:9',
      token,
      automaticDeserialization: false,
      retry: false,
    }),
    run: randomUUID().slice(0, 8),
    close: async () => {
      await gateway.close()
      await ensured.stop()
      await h.close()
    },
  }
}

/**
 * The operator API in process (PGlite in memory, real Redis behind the Upstash gateway, an in-memory edge store that
 * can fail): error statuses, key creation and revocation against a failing edge, audit request ids, tombstone sync.
 */
describe('operator API in process', () => {
  let t: Awaited<ReturnType<typeof openIsolated>>
  let services: ControlPlaneServices
  let edge: FakeEdge
  let app: ReturnType<typeof createOperatorApp>
  let admin: string
  const logs: Array<Record<string, unknown>> = []
  const tenantIds: string[] = []

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, json: JSON.parse(text) as any, text }
  }
  const newTenant = async () => {
    const id = `oa-${t.run}-${tenantIds.length + 1}`
    tenantIds.push(id)
    const r = await call('POST', '/v1/tenants', { id, reason: 'test' })
    expect(r.status, r.text).toBe(201)
    return { id, api_key: r.json.api_key as string, key_id: r.json.key_id as string }
  }

  beforeAll(async () => {
    t = await openIsolated()
    edge = new FakeEdge()
    services = {
      db: t.h.db,
      blobs: {} as BlobStore,
      redis: t.redis,
      edge,
      log: (l) => logs.push(l),
    }
    app = createOperatorApp(services)
    admin = (await bootstrapAdmin(t.h.db))!
  })
  beforeEach(() => {
    edge.down = false
    services.redis = t.redis
  })
  afterAll(async () => {
    for (const id of tenantIds) await t.redis.del(redisKeys.tombstones(id))
    await t?.close()
  })

  it('answers a body that is not JSON with 400 BAD_REQUEST in the envelope, not 500', async () => {
    const malformed = await call('POST', '/v1/tenants', '{"id": ')
    expect(malformed.status).toBe(400)
    expect(malformed.json.error.code).toBe('BAD_REQUEST')
    expect(malformed.json.error.request_id).toBeTruthy()
    const notJson = await call('POST', '/v1/tenants', JSON.stringify({ id: 'x' }), {
      'content-type': 'text/plain',
    })
    expect(notJson.status).toBe(400)
    expect(notJson.json.error.code).toBe('BAD_REQUEST')
  })
  it('a key brought for a tenant that does not exist is 404 and writes nothing, key material in no log', async () => {
    const ghost = `oa-${t.run}-ghost`
    const key = `rk_${'g'.repeat(8)}${t.run}${'x'.repeat(20)}`
    const r = await call('POST', `/v1/tenants/${ghost}/keys`, { api_key: key })
    expect(r.status, r.text).toBe(404)
    expect(r.json.error.code).toBe('NOT_FOUND')
    expect(await t.h.db.select().from(apiKeys).where(eq(apiKeys.tenant_id, ghost))).toEqual([])
    expect(edge.kv.has(kvKeys.apiKey(sha(key)))).toBe(false)
    const logged = JSON.stringify(logs)
    expect(logged).not.toContain(sha(key))
    expect(logged).not.toContain(key.slice(0, 12))
  })
  it('a revocation the edge store did not take is refused (503) and can be retried until the edge has it disabled', async () => {
    const tn = await newTenant()
    const hashKey = kvKeys.apiKey(sha(tn.api_key))
    expect(edge.kv.get(hashKey)).toMatchObject({ tenant: tn.id, disabled: false })
    edge.down = true
    const failed = await call('POST', `/v1/tenants/${tn.id}/keys/${tn.key_id}/revoke`, {
      reason: 'leaked',
    })
    edge.down = false
    expect(failed.status, failed.text).toBe(503)
    expect(failed.json.error.code).toBe('UNAVAILABLE')
    const retry = await call('POST', `/v1/tenants/${tn.id}/keys/${tn.key_id}/revoke`, {
      reason: 'leaked',
    })
    expect(retry.status, retry.text).toBe(200)
    expect(edge.kv.get(hashKey)).toMatchObject({ tenant: tn.id, disabled: true })
    const rows = await t.h.db.select().from(auditLog).where(eq(auditLog.action, 'api_key.revoke'))
    expect(rows.filter((a) => a.target === tn.key_id)).toHaveLength(1)
  })
  it('bringing a key again answers its real permissions; bringing a revoked key back is refused (409)', async () => {
    const tn = await newTenant()
    const key = `rk_${t.run}${'b'.repeat(24)}`
    const path = `/v1/tenants/${tn.id}/keys`
    const first = await call('POST', path, { api_key: key, permissions: ['recommend'] })
    expect(first.status, first.text).toBe(201)
    expect(first.json.permissions).toEqual(['recommend'])
    // Asked again with more: the key keeps what it was created with, and the answer says so.
    const again = await call('POST', path, { api_key: key, permissions: ['recommend', 'debug'] })
    expect(again.status, again.text).toBe(201)
    expect(again.json).toMatchObject({ key_id: first.json.key_id, permissions: ['recommend'] })
    const revoked = await call('POST', `${path}/${first.json.key_id}/revoke`, { reason: 'leaked' })
    expect(revoked.status, revoked.text).toBe(200)
    const back = await call('POST', path, { api_key: key, permissions: ['recommend'] })
    expect(back.status, back.text).toBe(409)
    expect(back.json.error.message).toMatch(/revoked/)
    expect(edge.kv.get(kvKeys.apiKey(sha(key)))).toMatchObject({ disabled: true })
  })
  it('a key or tenant whose key the edge store did not take is not created; the retry creates it', async () => {
    const id = `oa-${t.run}-retry`
    tenantIds.push(id)
    edge.down = true
    const failed = await call('POST', '/v1/tenants', { id, reason: 'test' })
    expect(failed.status, failed.text).toBe(503)
    expect(await t.h.db.select().from(tenants).where(eq(tenants.id, id))).toEqual([])
    edge.down = false
    const created = await call('POST', '/v1/tenants', { id, reason: 'test' })
    expect(created.status, created.text).toBe(201)
    expect(edge.kv.get(kvKeys.apiKey(sha(created.json.api_key)))).toMatchObject({ tenant: id })

    edge.down = true
    const failedKey = await call('POST', `/v1/tenants/${id}/keys`, { permissions: ['recommend'] })
    edge.down = false
    expect(failedKey.status, failedKey.text).toBe(503)
    expect(await t.h.db.select().from(apiKeys).where(eq(apiKeys.tenant_id, id))).toHaveLength(1)
  })
  it('the audit rows of tenant, key, catalog and operator changes carry the request id', async () => {
    const rid = (what: string) => ({ 'x-request-id': `req-${t.run}-${what}` })
    const id = `oa-${t.run}-audit`
    tenantIds.push(id)
    expect((await call('POST', '/v1/tenants', { id }, rid('tenant'))).status).toBe(201)
    const key = await call('POST', `/v1/tenants/${id}/keys`, {}, rid('key'))
    expect(key.status).toBe(201)
    const own = await call(
      'POST',
      `/v1/tenants/${id}/keys`,
      { api_key: `rk_${t.run}_${'o'.repeat(24)}` },
      rid('own-key'),
    )
    expect(own.status).toBe(201)
    const revoke = `/v1/tenants/${id}/keys/${key.json.key_id}/revoke`
    expect((await call('POST', revoke, { reason: 'r' }, rid('revoke'))).status).toBe(200)
    const items = { items: [{ item_id: 'sku-1' }] }
    const imported = await call('POST', `/v1/tenants/${id}/catalog`, items, rid('catalog'))
    expect(imported.status, imported.text).toBe(200)
    const op = { id: `oa-${t.run}-viewer`, role: 'viewer' }
    expect((await call('POST', '/v1/operators', op, rid('operator'))).status).toBe(201)
    const rows = await t.h.db.select().from(auditLog)
    const byRequest = (what: string) =>
      rows.filter((a) => a.request_id === `req-${t.run}-${what}`).map((a) => a.action)
    expect(byRequest('tenant')).toEqual(['tenant.create'])
    expect(byRequest('key')).toEqual(['api_key.create'])
    expect(byRequest('own-key')).toEqual(['api_key.create'])
    expect(byRequest('revoke')).toEqual(['api_key.revoke'])
    expect(byRequest('catalog')).toEqual(['catalog.import'])
    expect(byRequest('operator')).toEqual(['operator.create'])
  })
  it('a tombstone whose push was left pending reaches Redis with the sync', async () => {
    const tn = await newTenant()
    services.redis = t.broken
    const r = await call('POST', `/v1/tenants/${tn.id}/tombstones`, {
      item_id: 'sku-lost',
      reason: 'legal',
    })
    services.redis = t.redis
    expect(r.status).toBe(200)
    expect(r.json.redis).toBe('pending')
    expect(await t.redis.smembers(redisKeys.tombstones(tn.id))).toEqual([])
    // The sync needs kill_switch.write: a viewer is refused before anything is pushed.
    const viewer = await call('POST', '/v1/operators', { id: `oa-${t.run}-v2`, role: 'viewer' })
    expect(viewer.status, viewer.text).toBe(201)
    const refused = await call('POST', '/v1/kill-switches/sync', undefined, {
      authorization: `Bearer ${viewer.json.token as string}`,
    })
    expect(refused.status).toBe(403)
    expect(await t.redis.smembers(redisKeys.tombstones(tn.id))).toEqual([])
    const sync = await call('POST', '/v1/kill-switches/sync')
    expect(sync.status, sync.text).toBe(200)
    expect(await t.redis.smembers(redisKeys.tombstones(tn.id))).toEqual(['sku-lost'])
  })
})
