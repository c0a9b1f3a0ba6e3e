import fc from 'fast-check'
import { RankResponse } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFixtureStore, type FixtureStore } from './fixture-store'
import { AUTH, rankCall, scorerOn, tempStore } from './harness'

/**
 * Issue 18, findings 14 and 8, at the scorer: `/healthz` and `/metrics` listed every tenant and release to anyone
 * who could reach the port (failed on the code before the fix); ids named after Object.prototype members go through
 * `/v1/rank` like any other (its lookups were Maps already: this case guards them).
 */

let store: Awaited<ReturnType<typeof tempStore>>
let fx: FixtureStore
let scorer: Awaited<ReturnType<typeof scorerOn>>

beforeAll(async () => {
  store = await tempStore()
  fx = await writeFixtureStore(store.dir, { tenant: 'acme', items: 300, seed: 11 })
  scorer = await scorerOn(store.dir)
})
afterAll(async () => {
  await scorer?.close()
  await store?.remove()
})

const wrong = { headers: { authorization: 'Bearer not-the-token' } }

describe('health and metrics say nothing of tenants without the service token', () => {
  it('/healthz answers its status to anyone, and the tenants and releases only with the token', async () => {
    for (const opts of [{}, wrong]) {
      const res = await fetch(`${scorer.url}/healthz`, opts)
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(JSON.parse(text)).toEqual({ status: 'ready' })
      expect(text).not.toContain(fx.release)
    }
    const res = await fetch(`${scorer.url}/healthz`, AUTH)
    expect(await res.json()).toEqual({
      status: 'ready',
      tenants: { acme: { release: fx.release, model_version: fx.model_version } },
    })
  })

  it('/metrics is 401 without the token, and served with it', async () => {
    for (const opts of [{}, wrong]) {
      const res = await fetch(`${scorer.url}/metrics`, opts)
      expect(res.status).toBe(401)
      const text = await res.text()
      expect(JSON.parse(text).error.code).toBe('UNAUTHORIZED')
      expect(text).not.toContain('acme')
    }
    const res = await fetch(`${scorer.url}/metrics`, AUTH)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain(`release="${fx.release}"`)
  })
})

describe('ids named after Object.prototype members', () => {
  const PROTO = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']

  it('through /v1/rank: never a 500, and only catalog items come back', async () => {
    const items = new Set(fx.items)
    const anyId = fc.constantFrom(...PROTO, ...fx.items.slice(0, 5))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('acme', ...PROTO),
        fc.constantFrom('home_feed', 'related_items', ...PROTO),
        fc.constantFrom(...PROTO.map((id) => `u.${id}`), ...PROTO.map((id) => `a.${id}`)),
        fc.array(anyId, { maxLength: 4 }),
        fc.array(anyId, { maxLength: 4 }),
        anyId,
        async (tenant, surface, subject, recent, exclude, anchor) => {
          const res = await rankCall(
            scorer.url,
            {
              tenant,
              surface,
              subject,
              recent_items: recent,
              session_items: recent,
              exclude,
              anchor_item: anchor,
              candidates: 100,
              limit: 20,
            },
            { deadlineMs: 10_000 },
          )
          expect(res.status).toBeLessThan(500)
          if (tenant === 'acme' && (surface === 'home_feed' || surface === 'related_items')) {
            expect(res.status).toBe(200)
            const body = RankResponse.parse(await res.json())
            const ids = body.items.map((i) => i.item_id)
            expect(new Set(ids).size).toBe(ids.length)
            for (const id of ids) expect(items.has(id), id).toBe(true)
            for (const id of exclude) expect(ids).not.toContain(id)
          } else expect(res.status).toBe(404)
        },
      ),
      { numRuns: 40 },
    )
  })
})
