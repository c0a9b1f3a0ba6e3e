import fc from 'fast-check'
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { r2Keys, redisKeys, type ReleaseSpec } from '@recsys/shared'
import { sha256Hex } from '../src/util/sha256'
import { baseSpec, createKey, newTenant, publish, redis, seedUser, slate } from './fixtures'
import { postEvents, recommend } from './request'
import { edgeModelBytes, fx } from './scorer-fixture'

/**
 * Issue 18, finding 8: lookups keyed by an id from outside read plain objects, so an id naming a member of
 * Object.prototype (`constructor`, `toString`…) found that member: `shard['constructor']` was a function, served as
 * an item's catalog flags, and a view of `constructor` broke `edge_rescored` for its user. Ids like these now go
 * through events, catalog, cached slates, rule bundles and the edge model like any other id. Failed on the code
 * before the fix (items out of the catalog served, requests degraded).
 *
 * `__proto__` is dropped by the parsers of every keyed document (zod skips it so that it cannot replace a
 * prototype): such an item reads as absent (not servable) and such a user has no cached slate.
 */
const PROTO = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
]
/** In the catalog: these are items like any other. The rest of PROTO is not, and must never be served. */
const IN_CATALOG = ['toString', 'hasOwnProperty', '__proto__']
const NORMAL = Array.from({ length: 40 }, (_, i) => `i${i + 1}`)
/** Users with a cached slate and consent: served `edge_rescored` (no scorer here). */
const SLATE_USERS = ['constructor', 'toString', 'valueOf', 'u1']

let tenant: string
let key: string
let debugKey: string
const catalog = new Set([...NORMAL, ...IN_CATALOG])

beforeAll(async () => {
  tenant = newTenant('sec-proto')
  const model = edgeModelBytes()
  const sha256 = await sha256Hex(model)
  await env.ARTIFACT_BUCKET.put(r2Keys.blob(tenant, sha256), model)
  const base = baseSpec(tenant)
  const spec: ReleaseSpec = {
    ...base,
    config: {
      tenant,
      surfaces: [
        { id: 'home_feed', kind: 'personalized' },
        // A surface whose rule bundle is named after Object.prototype's member and does not exist: default rules.
        { id: 'proto_feed', kind: 'personalized', rules: 'constructor' },
        { id: 'related_items', kind: 'item_anchored' },
      ],
    },
    catalog: {
      ...base.catalog,
      ...Object.fromEntries(IN_CATALOG.map((id) => [id, { categories: ['c1'] }])),
    },
    popular: ['home_feed', 'proto_feed', 'related_items'].map((surface) => ({
      surface,
      slate: slate([...PROTO, ...NORMAL.slice(0, 20)], 'popular'),
    })),
    user_slates: SLATE_USERS.flatMap((user_id) =>
      ['home_feed', 'proto_feed'].map((surface) => ({
        surface,
        user_id,
        slate: slate([...PROTO, 'i31', 'i32', 'i33', 'i34', 'i35']),
      })),
    ),
    anchored_slates: PROTO.map((item_id) => ({
      surface: 'related_items',
      item_id,
      slate: slate([...PROTO, 'i36', 'i37']),
    })),
    edge_model: { sha256, size_bytes: model.byteLength, metadata: fx.edgeModel.metadata },
  }
  await publish(spec)
  key = await createKey(tenant)
  debugKey = await createKey(tenant, ['recommend', 'debug'])
  for (const u of [...PROTO, 'u1']) await seedUser(tenant, u, { consent: true })
})

const ids = (json: any): string[] => json.items.map((i: { item_id: string }) => i.item_id)

describe('ids named after Object.prototype members', () => {
  it('a view of `constructor` (not in the catalog) leaves edge_rescored working for its user', async () => {
    const r = await postEvents(key, [
      {
        event_id: crypto.randomUUID(),
        type: 'view',
        user_id: 'u1',
        item_id: 'constructor',
        event_time: new Date().toISOString(),
      },
    ])
    expect(r.json).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    const { json } = await recommend(debugKey, {
      surface: 'home_feed',
      subject: { user_id: 'u1' },
      limit: 5,
      debug: true,
    })
    expect(json.metadata).toMatchObject({ tier: 'edge_rescored', degraded: false })
    expect(json.debug.session_items).toContain('constructor')
    expect(ids(json).every((id) => catalog.has(id))).toBe(true)
  })

  it('through recommendations: only catalog items are served, never degraded, whatever the ids', async () => {
    const subject = fc.constantFrom(...PROTO, 'u1', 'u-none')
    const anyId = fc.constantFrom(...PROTO, ...NORMAL.slice(0, 5))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('home_feed', 'proto_feed', 'related_items'),
        subject,
        fc.boolean(),
        anyId,
        fc.array(anyId, { maxLength: 4 }),
        async (surface, user, anonymous, anchor, session) => {
          const r = await recommend(key, {
            surface,
            subject: anonymous ? { anonymous_id: user } : { user_id: user },
            context: {
              session_item_ids: session,
              ...(surface === 'related_items' && { item_id: anchor }),
            },
            limit: 10,
          })
          expect(r.status).toBe(200)
          expect(r.json.metadata.degraded).toBe(false)
          const served = ids(r.json)
          expect(served.length).toBeGreaterThan(0)
          for (const id of served) expect(catalog.has(id), id).toBe(true)
          if (!anonymous && surface !== 'related_items' && SLATE_USERS.includes(user))
            expect(r.json.metadata.tier).toBe('edge_rescored')
        },
      ),
      { numRuns: 40 },
    )
  })

  it('through events: accepted into the subject’s state, and a hidden item of that name is never served', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PROTO),
        fc.constantFrom(...IN_CATALOG.filter((id) => id !== '__proto__')),
        fc.constantFrom(...PROTO),
        async (user, hidden, viewed) => {
          const served = await recommend(key, {
            surface: 'home_feed',
            subject: { user_id: user },
            limit: 10,
          })
          const first = served.json.items[0]
          const at = new Date().toISOString()
          const base = { user_id: user, event_time: at }
          const r = await postEvents(key, [
            { ...base, event_id: crypto.randomUUID(), type: 'hide', item_id: hidden },
            { ...base, event_id: crypto.randomUUID(), type: 'view', item_id: viewed },
            { ...base, event_id: crypto.randomUUID(), type: 'conversion', item_id: viewed },
            {
              ...base,
              event_id: crypto.randomUUID(),
              type: 'impression',
              item_id: first.item_id,
              tracking_token: first.tracking_token,
            },
          ])
          expect(r.status).toBe(202)
          expect(r.json.rejected).toEqual([])
          expect(
            await redis().sismember(redisKeys.suppressedItems(tenant, `u.${user}`), hidden),
          ).toBe(1)
          const next = await recommend(key, {
            surface: 'home_feed',
            subject: { user_id: user },
            limit: 10,
          })
          expect(next.status).toBe(200)
          expect(next.json.metadata.degraded).toBe(false)
          expect(ids(next.json)).not.toContain(hidden)
          for (const id of ids(next.json)) expect(catalog.has(id), id).toBe(true)
        },
      ),
      { numRuns: 15 },
    )
  })
})
