import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { RecommendationResponse, verifyTrackingToken } from '@recsys/shared'
import { env } from 'cloudflare:workers'
import { baseSpec, createKey, newTenant, publish, seedUser } from './fixtures'
import { call, recommend } from './request'

let tenant: string
let key: string
let debugKey: string

beforeAll(async () => {
  tenant = newTenant('api')
  await publish(baseSpec(tenant))
  key = await createKey(tenant)
  debugKey = await createKey(tenant, ['recommend', 'debug'])
  await seedUser(tenant, 'u1', { consent: true })
})

const home = (over: Record<string, unknown> = {}) => ({
  surface: 'home_feed',
  subject: { user_id: 'u1' },
  ...over,
})

describe('POST /v1/recommendations', () => {
  it('answers the documented shape with positions 1..n and the default limit of 20', async () => {
    const { status, json } = await recommend(key, home())
    expect(status).toBe(200)
    expect(RecommendationResponse.safeParse(json).success).toBe(true)
    expect(json.items).toHaveLength(20)
    expect(json.items.map((i: { position: number }) => i.position)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    expect(json.metadata).toMatchObject({
      surface: 'home_feed',
      release: 'r1',
      model_version: 'm1',
    })
    expect(json.debug).toBeUndefined()
    for (const item of json.items) expect(item).not.toHaveProperty('score')
  })

  it('serves the user slate first for a consenting user, then fills from lower tiers', async () => {
    const { json } = await recommend(key, home({ limit: 8 }))
    expect(json.metadata.tier).toBe('cached_user')
    expect(json.metadata.privacy_mode).toBe('personalized')
    expect(json.items.slice(0, 5).map((i: { item_id: string }) => i.item_id)).toEqual([
      'i31',
      'i32',
      'i33',
      'i34',
      'i35',
    ])
    expect(new Set(json.items.map((i: { item_id: string }) => i.item_id)).size).toBe(8)
  })

  it('echoes request_id and honours limit bounds', async () => {
    const ok = await recommend(key, home({ request_id: 'req-42', limit: 1 }))
    expect(ok.json.request_id).toBe('req-42')
    expect(ok.json.items).toHaveLength(1)
    const max = await recommend(key, home({ limit: 100 }))
    expect(max.status).toBe(200)
    // 40 catalog items: 30 popular + 5 user slate + ... all eligible ones, never more than exist.
    expect(max.json.items.length).toBeLessThanOrEqual(100)
    for (const limit of [0, 101, -1, 2.5, '20', null]) {
      const r = await recommend(key, home({ limit }))
      expect(r.status, `limit ${String(limit)}`).toBe(400)
      expect(r.json.error.code).toBe('BAD_REQUEST')
    }
  })

  it('401 without a key, with a malformed one, and with an unknown one', async () => {
    for (const k of [undefined, 'short', 'rk_unknown_key_0000000000']) {
      const res = await call('/v1/recommendations', { key: k, body: home() })
      expect(res.status).toBe(401)
      const body = (await res.json()) as any
      expect(body.error.code).toBe('UNAUTHORIZED')
      expect(body.error.request_id).toBeTruthy()
    }
  })

  it('403 for a key without the recommend permission, on POST and GET', async () => {
    const eventsOnly = await createKey(tenant, ['events'])
    const post = await call('/v1/recommendations', { key: eventsOnly, body: home() })
    expect(post.status).toBe(403)
    expect(((await post.json()) as any).error).toMatchObject({ code: 'FORBIDDEN' })
    const get = await call('/v1/recommendations?surface=home_feed&user_id=u1', { key: eventsOnly })
    expect(get.status).toBe(403)
  })

  it('404 for an unknown surface', async () => {
    const r = await recommend(key, home({ surface: 'nope' }))
    expect(r.status).toBe(404)
    expect(r.json.error.code).toBe('NOT_FOUND')
  })

  it('413 for a body over 64 KiB, whatever it holds, with the error envelope', async () => {
    const pad = (n: number) =>
      `{"surface":"home_feed","subject":{"user_id":"u1"},"pad":"${'x'.repeat(n)}"}`
    const over = await call('/v1/recommendations', { key, raw: pad(70_000) })
    expect(over.status).toBe(413)
    expect(((await over.json()) as any).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'body larger than 65536 bytes',
    })
    // Just under the limit, the same body is read and refused for what it holds (the unknown field).
    const under = await call('/v1/recommendations', { key, raw: pad(65_000) })
    expect(under.status).toBe(400)
  })

  it('400 for malformed and ill-typed bodies, with the error envelope', async () => {
    const cases: Array<{ raw?: string; body?: unknown }> = [
      { raw: '{"surface":' },
      { raw: 'null' },
      { body: { surface: 'home_feed' } },
      { body: home({ subject: { user_id: 'u1', anonymous_id: 'a1' } }) },
      { body: home({ unknown_field: 1 }) },
      { body: home({ privacy_mode: 'everything' }) },
      { body: home({ subject: { user_id: 'has space' } }) },
    ]
    for (const cs of cases) {
      const res = await call('/v1/recommendations', { key, ...cs })
      expect(res.status, JSON.stringify(cs).slice(0, 80)).toBe(400)
      const body = (await res.json()) as any
      expect(body.error.code).toBe('BAD_REQUEST')
      expect(typeof body.error.message).toBe('string')
    }
  })

  it('400 when an item-anchored surface has no context.item_id; serves related items without the anchor', async () => {
    const bad = await recommend(key, { surface: 'related_items', subject: { anonymous_id: 'a1' } })
    expect(bad.status).toBe(400)
    const good = await recommend(key, {
      surface: 'related_items',
      subject: { anonymous_id: 'a1' },
      context: { item_id: 'i1' },
      limit: 5,
    })
    expect(good.status).toBe(200)
    // No consent is known for an anonymous subject: non-personalized, and the anchored slate still serves.
    expect(good.json.metadata).toMatchObject({
      tier: 'cached_user',
      privacy_mode: 'non_personalized',
    })
    const ids = good.json.items.map((i: { item_id: string }) => i.item_id)
    expect(ids.slice(0, 3)).toEqual(['i36', 'i37', 'i38'])
    expect(ids).not.toContain('i1')
  })

  it('honours debug only for keys with the debug permission, and ignores it otherwise', async () => {
    const plain = await recommend(key, home({ debug: true, limit: 5 }))
    expect(plain.status).toBe(200)
    expect(plain.json.debug).toBeUndefined()
    const dbg = await recommend(debugKey, home({ debug: true, limit: 5 }))
    expect(dbg.json.debug.items).toHaveLength(5)
    expect(dbg.json.debug.items[0]).toMatchObject({ item_id: 'i31', tier: 'cached_user' })
    expect(typeof dbg.json.debug.items[0].score).toBe('number')
    // The scorer-facing tiers are named with why they were skipped (no scorer here, no edge model in r1).
    expect(dbg.json.debug.tiers_tried.slice(0, 3)).toEqual([
      { tier: 'ranked', status: 'skipped: no scorer configured', candidates: 0 },
      { tier: 'edge_rescored', status: 'skipped: release has no edge model', candidates: 0 },
      { tier: 'cached_user', status: 'served', candidates: expect.any(Number) },
    ])
  })

  it('mints tracking tokens that verify for this tenant only', async () => {
    const { json } = await recommend(key, home({ limit: 3 }))
    for (const item of json.items) {
      const v = await verifyTrackingToken(env.TRACKING_SECRET, item.tracking_token, {
        tenant,
        item: item.item_id,
      })
      expect(v.ok).toBe(true)
      if (v.ok)
        expect(v.value).toMatchObject({ s: json.slate_id, p: item.position, r: 'r1', u: 'u.u1' })
      const other = await verifyTrackingToken(env.TRACKING_SECRET, item.tracking_token, {
        tenant: `${tenant}x`,
      })
      expect(other.ok).toBe(false)
    }
    const [body, sig] = json.items[0].tracking_token.split('.')
    const forged = `${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`
    expect((await verifyTrackingToken(env.TRACKING_SECRET, forged, { tenant })).ok).toBe(false)
  })

  it('random bodies never produce a 500', async () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    )
    const body = fc.record(
      {
        surface: fc.oneof(fc.constantFrom('home_feed', 'related_items', 'nope'), value),
        subject: fc.oneof(
          fc.record({ user_id: fc.oneof(fc.constantFrom('u1', 'u2'), value) }),
          fc.record({ anonymous_id: fc.oneof(fc.string(), value) }),
          value,
        ),
        context: fc.oneof(
          fc.record(
            { item_id: fc.oneof(fc.constantFrom('i1', 'zz'), value), country: value },
            { requiredKeys: [] },
          ),
          value,
        ),
        limit: fc.oneof(fc.integer({ min: -5, max: 120 }), value),
        privacy_mode: fc.oneof(
          fc.constantFrom('personalized', 'contextual_only', 'non_personalized'),
          value,
        ),
        debug: value,
        request_id: value,
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          body.map((b) => JSON.stringify(b)),
          fc.string(),
        ),
        async (raw) => {
          const res = await call('/v1/recommendations', { key: debugKey, raw })
          expect(res.status).toBeLessThan(500)
          if (res.status !== 200) expect(((await res.json()) as any).error.code).toBeTruthy()
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('GET /v1/recommendations', () => {
  it('serves the same slate as POST for simple clients', async () => {
    const res = await call('/v1/recommendations?surface=home_feed&user_id=u1&limit=4', { key })
    expect(res.status).toBe(200)
    const json = (await res.json()) as any
    expect(json.items.map((i: { item_id: string }) => i.item_id)).toEqual([
      'i31',
      'i32',
      'i33',
      'i34',
    ])
  })

  it('400 for a bad query, 401 without a key', async () => {
    expect((await call('/v1/recommendations?surface=home_feed&limit=4', { key })).status).toBe(400)
    expect(
      (await call('/v1/recommendations?surface=home_feed&user_id=u1&limit=abc', { key })).status,
    ).toBe(400)
    expect((await call('/v1/recommendations?surface=home_feed&user_id=u1')).status).toBe(401)
  })
})

describe('public routes', () => {
  it('GET /v1/health needs no key and reports its checks', async () => {
    const res = await call('/v1/health')
    expect(res.status).toBe(200)
    const json = (await res.json()) as any
    expect(json.status).toBe('ok')
    expect(json.checks.user_state.status).toBe('ok')
  })

  it('GET /v1/openapi.json documents every route of docs/api.md', async () => {
    const res = await call('/v1/openapi.json')
    const doc = (await res.json()) as any
    expect(doc.openapi).toBe('3.1.0')
    for (const p of [
      '/v1/recommendations',
      '/v1/events',
      '/v1/users/{user_id}/consent',
      '/v1/users/{user_id}',
      '/v1/health',
    ])
      expect(doc.paths).toHaveProperty([p])
    const req = doc.paths['/v1/recommendations'].post.requestBody.content['application/json'].schema
    expect(req.properties.limit).toMatchObject({ minimum: 1, maximum: 100 })
  })

  it('unknown routes get the error envelope', async () => {
    const res = await call('/v2/nothing')
    expect(res.status).toBe(404)
    expect(((await res.json()) as any).error.code).toBe('NOT_FOUND')
  })
})
