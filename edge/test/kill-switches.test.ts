import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseSpec, createKey, engage, newTenant, publish, release, seedUser } from './fixtures'
import { until } from './poll'
import { recommend } from './request'

/**
 * Kill switches read from real Redis through the gateway, with the ≤ 1 s isolate cache (its TTL is tested on an
 * injected clock in src/adapters/request-state/kill-switch-cache.test.ts; here the effect is polled for). Tests use per-tenant
 * switches (`tenant:<id>:<name>`) so that concurrent test files and a local stack on the same Redis are unaffected.
 */
const home = { surface: 'home_feed', subject: { user_id: 'u1' }, limit: 5 }
const engaged: string[] = []

describe('kill switches', () => {
  let tenant: string
  let other: string
  let key: string
  let otherKey: string
  beforeAll(async () => {
    tenant = newTenant('ks')
    other = newTenant('ks-other')
    for (const t of [tenant, other]) {
      await publish(baseSpec(t))
      await seedUser(t, 'u1', { consent: true, segment: 'seg-a' })
    }
    key = await createKey(tenant)
    otherKey = await createKey(other)
  })
  afterAll(async () => {
    for (const name of engaged) await release(name)
  })

  const sw = async (name: string, value?: string) => {
    engaged.push(`tenant:${tenant}:${name}`)
    await engage(`tenant:${tenant}:${name}`, value)
  }

  it('edge.force_tier=global_popular starts the ladder there once the switch cache expires, for this tenant only', async () => {
    expect((await recommend(key, home)).json.metadata.tier).toBe('cached_user')
    await sw('edge.force_tier', 'global_popular')
    await until(async () => (await recommend(key, home)).json.metadata.tier === 'global_popular')
    expect((await recommend(otherKey, home)).json.metadata.tier).toBe('cached_user')
    await release(`tenant:${tenant}:edge.force_tier`)
    await until(async () => (await recommend(key, home)).json.metadata.tier === 'cached_user')
  })

  it('edge.force_tier=emergency serves the popular list as the emergency list, even in an isolate that held none', async () => {
    // A tenant this isolate has never served: no emergency list is held for it yet.
    const fresh = newTenant('ks-em')
    await publish(baseSpec(fresh))
    const freshKey = await createKey(fresh)
    engaged.push(`tenant:${fresh}:edge.force_tier`)
    await engage(`tenant:${fresh}:edge.force_tier`, 'emergency')
    const anon = { surface: 'home_feed', subject: { anonymous_id: 'a1' }, limit: 5 }
    // The first request of this tenant must already see the switch: wait out the isolate's switch cache (1 s).
    await new Promise((r) => setTimeout(r, 1100))
    const { json } = await recommend(freshKey, anon)
    expect(json.metadata.tier).toBe('emergency')
    expect(json.items.map((i: { item_id: string }) => i.item_id)).toEqual([
      'i1',
      'i2',
      'i3',
      'i4',
      'i5',
    ])
    expect(json.metadata.degraded).toBe(true)
  })

  it('edge.personalization serves non-personalized tiers only', async () => {
    await sw('edge.personalization')
    // Waits for this switch's own effect: another switch's (a surface switch still in the cache) looks the same.
    const fr = { ...home, context: { country: 'FR' } }
    await until(
      async () => (await recommend(key, fr)).json.metadata.privacy_mode === 'contextual_only',
    )
    expect((await recommend(key, home)).json.metadata.tier).toBe('global_popular')
    const { json } = await recommend(key, fr)
    expect(json.metadata.privacy_mode).toBe('contextual_only')
    expect(json.metadata.tier).toBe('segment')
    await release(`tenant:${tenant}:edge.personalization`)
    await until(async () => (await recommend(key, home)).json.metadata.tier === 'cached_user')
  })

  it('surface.<id> serves global_popular only on that surface', async () => {
    await sw('surface.home_feed')
    await until(async () => (await recommend(key, home)).json.metadata.tier === 'global_popular')
    const related = await recommend(key, {
      surface: 'related_items',
      subject: { user_id: 'u1' },
      context: { item_id: 'i1' },
      limit: 3,
    })
    expect(related.json.metadata.tier).toBe('cached_user')
    await release(`tenant:${tenant}:surface.home_feed`)
    await until(async () => (await recommend(key, home)).json.metadata.tier === 'cached_user')
  })
})
