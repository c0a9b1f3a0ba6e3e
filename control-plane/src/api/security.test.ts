import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { redisKeys } from '@recsys/shared'
import { Redis } from '@upstash/redis'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '@recsys/dev/gateway/server'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { createDb, migrate, type DbHandle } from '../db/client'
import { auditLog, killSwitches, operators, tenants } from '../db/schema/index'
import { hashReply } from '../kill-switches/redis-entry'
import { bootstrapAdmin } from '../operators/service'
import type { EdgeStoreWriter } from '../publish/edge-store'
import type { BlobStore } from '../registry/blob-store'
import { createOperatorApp } from './app'
import type { ControlPlaneServices } from './context'
import { jsonCaller } from '../../test/json-call'

/** An edge store in memory: these cases never reach an edge. */
class MemoryEdge implements EdgeStoreWriter {
  readonly kv = new Map<string, unknown>()
  async putJson(entries: ReadonlyArray<{ key: string; value: unknown }>) {
    for (const e of entries) this.kv.set(e.key, e.value)
  }
  async getJson(key: string) {
    return this.kv.get(key) ?? null
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const HASH = redisKeys.killSwitches()
const KiB = 1024

/**
 * The operator API's answers to hostile input (issue 18: findings 4, 5, 7, 9, 11, 12, 13, 14), in process: PGlite
 * in memory, real Redis behind the Upstash gateway (the shared database 0: only this run's switch fields are
 * written, and removed after), small catalog and artifact limits so the 413 cases stay small.
 */
describe('operator API against hostile input', () => {
  let h: DbHandle
  let redis: Redis
  let closeAll: () => Promise<void>
  let services: ControlPlaneServices
  let app: ReturnType<typeof createOperatorApp>
  let admin: string
  let root: string
  let outside: string
  const run = randomUUID().slice(0, 8)
  const tenant = `sec-${run}`

  const send = jsonCaller((p, init) => app.request(p, init))
  const call = (
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token = admin,
  ) => send(token, method, p, body, headers)
  /** A body that arrives in chunks without a Content-Length. */
  const chunked = (bytes: Uint8Array, parts = 4) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        const step = Math.ceil(bytes.length / parts)
        for (let i = 0; i < bytes.length; i += step) c.enqueue(bytes.slice(i, i + step))
        c.close()
      },
    })
  const expectEnvelope = (r: { status: number; json: any; text: string }, status: number) => {
    expect(r.status, r.text.slice(0, 300)).toBe(status)
    expect(r.json?.error?.request_id, r.text.slice(0, 300)).toMatch(/\S/)
  }

  beforeAll(async () => {
    h = await createDb({ url: 'memory://' })
    await migrate(h)
    const ensured = await ensureRedis()
    const token = `sec-${randomUUID()}`
    const gateway = await startGateway({ port: 0, redisUrl: ensured.url, token })
    redis = new Redis({ url: gateway.url, token, automaticDeserialization: false })
    root = await mkdtemp(path.join(tmpdir(), 'sec-datasets-'))
    outside = await mkdtemp(path.join(tmpdir(), 'sec-outside-'))
    services = {
      db: h.db,
      blobs: {} as BlobStore,
      redis,
      edge: new MemoryEdge(),
      limits: { catalogBytes: 64 * KiB, artifactBytes: 64 * KiB },
      datasetRoots: [root],
    }
    app = createOperatorApp(services)
    admin = (await bootstrapAdmin(h.db))!
    expect((await call('POST', '/v1/tenants', { id: tenant })).status).toBe(201)
    closeAll = async () => {
      await gateway.close()
      await ensured.stop()
      await h.close()
    }
  })
  afterAll(async () => {
    const ours = Object.keys(hashReply(await redis.hgetall(HASH))).filter((f) => f.includes(run))
    if (ours.length) await redis.hdel(HASH, ...ours)
    await rm(root, { recursive: true, force: true })
    await rm(outside, { recursive: true, force: true })
    await closeAll?.()
  })

  describe('finding 4: reasons and other free text', () => {
    it('refuses a kill-switch reason over 1024 characters (400) and stores nothing', async () => {
      const name = `tenant:${tenant}:edge.scorer`
      const big = await call('POST', `/v1/kill-switches/${name}/engage`, {
        reason: 'x'.repeat(2 * 1024 * 1024),
      })
      // 2 MiB of JSON is over the body limit before the field is looked at.
      expectEnvelope(big, 413)
      const over = await call('POST', `/v1/kill-switches/${name}/engage`, {
        reason: 'x'.repeat(1025),
      })
      expectEnvelope(over, 400)
      expect(over.json.error.code).toBe('BAD_REQUEST')
      expect(over.json.error.message).toMatch(/reason/)
      expect(await h.db.select().from(killSwitches).where(eq(killSwitches.name, name))).toEqual([])
      expect(await redis.hexists(HASH, name)).toBe(0)
    })

    it('keeps the reason out of the Redis entry every edge request reads; Postgres and the audit log have it', async () => {
      const name = `tenant:${tenant}:edge.force_tier`
      const reason = 'r'.repeat(1024)
      const r = await call('POST', `/v1/kill-switches/${name}/engage`, {
        value: 'segment',
        reason,
      })
      expect(r.status, r.text).toBe(200)
      const entry = (await redis.hget(HASH, name)) as string
      expect(Object.keys(JSON.parse(entry)).sort()).toEqual(['at', 'value'])
      expect(entry.length).toBeLessThan(80)
      const [row] = await h.db.select().from(killSwitches).where(eq(killSwitches.name, name))
      expect(row?.reason).toBe(reason)
      const [audit] = await h.db.select().from(auditLog).where(eq(auditLog.target, name))
      expect(audit?.reason).toBe(reason)
      expect(
        (await call('POST', `/v1/kill-switches/${name}/release`, { reason: 'ok' })).status,
      ).toBe(200)
    })

    it('caps every reason, name and title of the operator API at 1024 characters (400)', async () => {
      const long = 'n'.repeat(1025)
      const cases: Array<[string, string, unknown]> = [
        ['POST', '/v1/tenants', { id: `sec-${run}-long`, name: long }],
        ['POST', '/v1/tenants', { id: `sec-${run}-long`, reason: long }],
        ['POST', `/v1/tenants/${tenant}/keys`, { reason: long }],
        ['POST', `/v1/tenants/${tenant}/keys/k-1/revoke`, { reason: long }],
        ['POST', '/v1/operators', { id: `op-${run}-long`, role: 'viewer', name: long }],
        ['POST', '/v1/operators', { id: `op-${run}-long`, role: 'viewer', reason: long }],
        ['POST', `/v1/kill-switches/tenant:${tenant}:edge.scorer/release`, { reason: long }],
        ['POST', `/v1/tenants/${tenant}/tombstones`, { item_id: 'sku-1', reason: long }],
        ['POST', `/v1/tenants/${tenant}/releases`, { reason: long }],
        ['POST', `/v1/tenants/${tenant}/releases/rollback`, { reason: long }],
        ['POST', `/v1/tenants/${tenant}/pipeline/run`, { force: true, reason: long }],
        ['POST', `/v1/tenants/${tenant}/catalog?reason=${long}`, { items: [{ item_id: 'a' }] }],
        ['POST', `/v1/tenants/${tenant}/artifacts/rules/rules?reason=${long}`, '{}'],
      ]
      for (const [method, p, body] of cases) {
        const r = await call(method, p, body)
        expect(r.status, `${p}: ${r.text.slice(0, 200)}`).toBe(400)
        expect(r.json.error.code).toBe('BAD_REQUEST')
      }
      const rows = await h.db.select().from(auditLog)
      expect(rows.filter((a) => a.reason.length > 1024)).toEqual([])
    })
  })

  describe('finding 5: body limits and pipeline sizes', () => {
    it('answers a JSON body over 1 MiB with 413 PAYLOAD_TOO_LARGE, declared or streamed', async () => {
      const body = JSON.stringify({ id: `sec-${run}-big`, name: 'x', pad: 'p'.repeat(1024 * 1024) })
      const declared = await call('POST', '/v1/tenants', body, {
        'content-type': 'application/json',
      })
      expectEnvelope(declared, 413)
      expect(declared.json.error.code).toBe('PAYLOAD_TOO_LARGE')
      const streamed = await app.request('/v1/tenants', {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: chunked(new TextEncoder().encode(body)),
        duplex: 'half',
      } as RequestInit)
      expect(streamed.status).toBe(413)
      expect(((await streamed.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE')
      expect(
        await h.db
          .select()
          .from(tenants)
          .where(eq(tenants.id, `sec-${run}-big`)),
      ).toEqual([])
    })

    it('streams a catalog import under its own limit: NDJSON within it is imported, over it is 413', async () => {
      const line = (i: number) => JSON.stringify({ item_id: `it-${i}`, categories: ['c'] })
      const small = Array.from({ length: 200 }, (_, i) => line(i)).join('\n')
      const ok = await app.request(`/v1/tenants/${tenant}/catalog`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-ndjson' },
        body: chunked(new TextEncoder().encode(small), 7),
        duplex: 'half',
      } as RequestInit)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ upserted: 200 })
      const big = Array.from({ length: 3000 }, (_, i) => line(i)).join('\n')
      expect(big.length).toBeGreaterThan(64 * KiB)
      const declared = await call('POST', `/v1/tenants/${tenant}/catalog`, big, {
        'content-type': 'application/x-ndjson',
      })
      expectEnvelope(declared, 413)
      expect(declared.json.error.code).toBe('PAYLOAD_TOO_LARGE')
      const streamed = await app.request(`/v1/tenants/${tenant}/catalog`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: chunked(new TextEncoder().encode(JSON.stringify({ items: big.split('\n') }))),
        duplex: 'half',
      } as RequestInit)
      expect(streamed.status).toBe(413)
      const listed = await call('GET', `/v1/tenants/${tenant}/catalog?limit=1`)
      expect(listed.json.total).toBe(200)
    })

    it('answers artifact bytes over their limit with 413', async () => {
      const r = await call(
        'POST',
        `/v1/tenants/${tenant}/artifacts/rules/rules`,
        new Uint8Array(65 * KiB),
        { 'content-type': 'application/octet-stream' },
      )
      expectEnvelope(r, 413)
      expect(r.json.error.code).toBe('PAYLOAD_TOO_LARGE')
    })

    it('refuses a synthetic run of 1e6 users × 1000 interactions from the API, saying where larger runs go', async () => {
      for (const route of ['run', 'eval']) {
        const r = await call('POST', `/v1/tenants/${tenant}/pipeline/${route}`, {
          dataset: 'synthetic',
          users: 1_000_000,
          interactions_per_user: 1000,
        })
        expectEnvelope(r, 400)
        expect(r.json.error.message).toMatch(/over the API's limit of 2000000/)
        expect(r.json.error.message).toMatch(/RECSYS_PIPELINE_MAX_INTERACTIONS/)
      }
      // The default sizes with many more users per request are refused too (500 × 30 per default user).
      const users = await call('POST', `/v1/tenants/${tenant}/pipeline/eval`, { users: 100_000 })
      expect(users.status).toBe(400)
    })
  })

  describe('finding 9: x-request-id', () => {
    it('replaces a long or odd x-request-id with a UUID in the answer and the audit row; keeps a sane one', async () => {
      for (const [i, given] of ['x'.repeat(12_000), 'req 1', 'a"b', 'é'].entries()) {
        const id = `sec-${run}-rid-${i}`
        const r = await call('POST', '/v1/tenants', { id }, { 'x-request-id': given })
        expect(r.status, r.text).toBe(201)
        expect(r.headers.get('x-request-id')).toMatch(UUID)
        const [row] = await h.db.select().from(auditLog).where(eq(auditLog.target, id))
        expect(row?.request_id).toBe(r.headers.get('x-request-id'))
      }
      const bad = await call(
        'POST',
        '/v1/tenants',
        { id: '..' },
        { 'x-request-id': 'y'.repeat(200) },
      )
      expectEnvelope(bad, 400)
      expect(bad.json.error.request_id).toMatch(UUID)
      const kept = await call('GET', '/v1/me', undefined, { 'x-request-id': 'trace-1:a.b_c' })
      expect(kept.headers.get('x-request-id')).toBe('trace-1:a.b_c')
    })
  })

  describe('finding 7: operator tokens are disabled, rotated and expire', () => {
    it('a disabled operator is refused from the next request on (401), audited; the last admin cannot be disabled', async () => {
      const made = await call('POST', '/v1/operators', { id: `op-${run}-d`, role: 'viewer' })
      expect(made.status, made.text).toBe(201)
      const token = made.json.token as string
      expect((await call('GET', '/v1/me', undefined, {}, token)).status).toBe(200)
      const viewerTry = await call(
        'POST',
        `/v1/operators/op-${run}-d/disable`,
        { reason: 'self' },
        {},
        token,
      )
      expect(viewerTry.status).toBe(403)
      const d = await call('POST', `/v1/operators/op-${run}-d/disable`, { reason: 'left the team' })
      expect(d.status, d.text).toBe(200)
      expect(d.json.operator).toMatchObject({ id: `op-${run}-d`, disabled: true })
      expect(d.json.operator).not.toHaveProperty('token_hash')
      const refused = await call('GET', '/v1/me', undefined, {}, token)
      expectEnvelope(refused, 401)
      expect(refused.json.error.code).toBe('UNAUTHORIZED')
      expect(
        (await call('POST', `/v1/operators/op-${run}-d/disable`, { reason: 'x' })).status,
      ).toBe(409)
      expect((await call('POST', `/v1/operators/op-${run}-d/rotate`, { reason: 'x' })).status).toBe(
        409,
      )
      expect((await call('POST', '/v1/operators/nobody/disable', { reason: 'x' })).status).toBe(404)
      const last = await call('POST', '/v1/operators/admin/disable', { reason: 'x' })
      expect(last.status).toBe(409)
      expect(last.json.error.message).toMatch(/last enabled admin/)
      const [audit] = await h.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.action, 'operator.disable'))
      expect(audit).toMatchObject({
        target: `op-${run}-d`,
        reason: 'left the team',
        actor: 'admin',
      })
    })

    it('a rotation refuses the old token at once and shows the new one once, never in the audit log', async () => {
      const made = await call('POST', '/v1/operators', { id: `op-${run}-r`, role: 'sre' })
      const old = made.json.token as string
      const r = await call('POST', `/v1/operators/op-${run}-r/rotate`, {
        reason: 'scheduled',
        expires_in_days: 7,
      })
      expect(r.status, r.text).toBe(200)
      const fresh = r.json.token as string
      expect(fresh).toMatch(/^rso_/)
      expect(fresh).not.toBe(old)
      expect((await call('GET', '/v1/me', undefined, {}, old)).status).toBe(401)
      expect((await call('GET', '/v1/me', undefined, {}, fresh)).json).toEqual({
        id: `op-${run}-r`,
        role: 'sre',
      })
      const days = (Date.parse(r.json.operator.expires_at) - Date.now()) / 86_400_000
      expect(days).toBeGreaterThan(6.9)
      expect(days).toBeLessThanOrEqual(7)
      const audits = await h.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.action, 'operator.rotate'))
      expect(audits.map((a) => a.target)).toEqual([`op-${run}-r`])
      expect(JSON.stringify(audits)).not.toContain(fresh)
      expect(JSON.stringify(audits)).not.toContain(old)
    })

    it('a token past its expires_at is refused; new tokens expire after the configured default', async () => {
      const before = Date.now()
      const made = await call('POST', '/v1/operators', { id: `op-${run}-e`, role: 'viewer' })
      const days = (Date.parse(made.json.operator.expires_at) - before) / 86_400_000
      expect(days).toBeGreaterThanOrEqual(90)
      expect(days).toBeLessThan(90.01)
      const token = made.json.token as string
      expect((await call('GET', '/v1/me', undefined, {}, token)).status).toBe(200)
      // Time passes: the row's expiry is moved to the past, as the clock would.
      await h.db
        .update(operators)
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where(eq(operators.id, `op-${run}-e`))
      const refused = await call('GET', '/v1/me', undefined, {}, token)
      expectEnvelope(refused, 401)
      expect(refused.json.error.message).toMatch(/expired/)
      const listed = await call('GET', '/v1/operators')
      expect(listed.json.operators.find((o: any) => o.id === `op-${run}-e`)).toHaveProperty(
        'expires_at',
      )
    })
  })

  describe('finding 11: bad input is 400, never 500', () => {
    // Built as text: stringifying values this deep would exhaust the test's own stack (as it did the insert's).
    const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
    const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`

    it('refuses catalog attributes nested 10,000 deep, and other oversized item fields', async () => {
      const items = [
        `{"item_id":"deep","attributes":{"x":${deepObject(10_000)}}}`,
        `{"item_id":"deep-array","attributes":{"x":${deepArray(10_000)}}}`,
        `{"item_id":"wide","attributes":{"x":"${'w'.repeat(20_000)}"}}`,
        JSON.stringify({ item_id: 'long-title', title: 't'.repeat(1025) }),
        JSON.stringify({
          item_id: 'many',
          categories: Array.from({ length: 1000 }, (_, i) => `c${i}`),
        }),
      ]
      for (const item of items) {
        const r = await call('POST', `/v1/tenants/${tenant}/catalog`, `{"items":[${item}]}`, {
          'content-type': 'application/json',
        })
        expectEnvelope(r, 400)
        expect(r.json.error.code).toBe('BAD_REQUEST')
        const nd = await call('POST', `/v1/tenants/${tenant}/catalog`, item, {
          'content-type': 'application/x-ndjson',
        })
        expectEnvelope(nd, 400)
      }
      const fine = await call('POST', `/v1/tenants/${tenant}/catalog`, {
        items: [{ item_id: 'nested-ok', attributes: JSON.parse(deepObject(15)) }],
      })
      expect(fine.status, fine.text).toBe(200)
    })

    it('refuses artifact metadata nested thousands deep with 400', async () => {
      const meta = `{"a":${deepArray(5000)}}`
      const r = await call('POST', `/v1/tenants/${tenant}/artifacts/rules/rules`, '{}', {
        'content-type': 'application/octet-stream',
        'x-artifact-metadata': Buffer.from(meta).toString('base64url'),
      })
      expectEnvelope(r, 400)
      expect(r.json.error.message).toMatch(/deeper/)
    })

    it('refuses JSON bodies nested 100,000 deep with 400', async () => {
      const r = await call(
        'POST',
        '/v1/tenants',
        `{"id":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        {
          'content-type': 'application/json',
        },
      )
      expectEnvelope(r, 400)
    })
  })

  describe('finding 12: dataset paths stay under the dataset roots', () => {
    it('refuses ../ escapes, absolute paths and links out of the root with 400, before reading anything', async () => {
      await symlink(outside, path.join(root, 'link-out'))
      const rel = path.relative(process.cwd(), root)
      const escapes = [
        'movielens:../../../../etc',
        'log:/',
        `movielens:${outside}`,
        `movielens:${root}/../${path.basename(outside)}`,
        `log:${rel}/../${path.basename(outside)}`,
        `movielens:${path.join(root, 'link-out')}`,
        `log:${path.join(root, 'link-out', 'deeper')}`,
      ]
      for (const dataset of escapes)
        for (const route of ['run', 'eval']) {
          const r = await call('POST', `/v1/tenants/${tenant}/pipeline/${route}`, { dataset })
          expectEnvelope(r, 400)
          expect(r.json.error.message, dataset).toMatch(/outside the dataset roots/)
        }
    })

    it('lets a folder under the root through to the reader (whose own message says what is missing)', async () => {
      await mkdir(path.join(root, 'ml-empty'))
      const r = await call('POST', `/v1/tenants/${tenant}/pipeline/eval`, {
        dataset: `movielens:${path.join(root, 'ml-empty')}`,
      })
      expectEnvelope(r, 400)
      expect(r.json.error.message).not.toMatch(/outside the dataset roots/)
      expect(r.json.error.message).toMatch(/ratings\.csv/)
    })
  })

  describe('finding 13: tenant ids that are path segments', () => {
    it('refuses tenant ids "." and ".." with 400', async () => {
      for (const id of ['.', '..']) {
        const r = await call('POST', '/v1/tenants', { id })
        expectEnvelope(r, 400)
      }
      expect(await h.db.select().from(tenants).where(eq(tenants.id, '..'))).toEqual([])
    })
  })

  describe('finding 14: /docs', () => {
    it('serves Swagger UI from the installed package, loads nothing from elsewhere, under a strict CSP', async () => {
      const page = await app.request('/docs')
      expect(page.status).toBe(200)
      const html = await page.text()
      const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
      expect(urls.sort()).toEqual([
        '/docs/swagger-ui-dist/swagger-ui-bundle.js',
        '/docs/swagger-ui-dist/swagger-ui.css',
      ])
      expect(html).not.toMatch(/https?:\/\//)
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
      const js = await app.request('/docs/swagger-ui-dist/swagger-ui-bundle.js')
      expect(js.status).toBe(200)
      expect(js.headers.get('content-type')).toMatch(/javascript/)
      expect((await js.text()).length).toBeGreaterThan(100_000)
      const css = await app.request('/docs/swagger-ui-dist/swagger-ui.css')
      expect(css.headers.get('content-type')).toMatch(/text\/css/)
      for (const other of ['package.json', 'constructor', '..%2Fpackage.json', 'index.html'])
        expect((await app.request(`/docs/swagger-ui-dist/${other}`)).status, other).toBe(404)
    })
  })
})
