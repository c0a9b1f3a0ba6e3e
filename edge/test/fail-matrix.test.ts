import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { kvKeys } from '@recsys/shared'
import { baseSpec, createKey, envWith, newTenant, publish, seedUser } from './fixtures'
import { recommend } from './request'

/** docs/architecture.md#fail-open-fail-closed: the matrix, for the rows that apply before the scorer exists. */
const ids = (json: any): string[] => json.items.map((i: { item_id: string }) => i.item_id)
const popular = baseSpec('x').popular[0]!.slate.items.map((e) => e.item_id)
const home = { surface: 'home_feed', subject: { user_id: 'u1' }, limit: 10 }

describe('fail matrix', () => {
  let tenant: string
  let key: string
  beforeAll(async () => {
    tenant = newTenant('fail')
    await publish(baseSpec(tenant))
    key = await createKey(tenant)
    await seedUser(tenant, 'u1', { consent: true, segment: 'seg-a' })
  })

  it('baseline: with user state the user slate serves, personalized', async () => {
    const { json } = await recommend(key, home)
    expect(json.metadata).toMatchObject({
      tier: 'cached_user',
      privacy_mode: 'personalized',
      degraded: false,
    })
  })

  it('user state down (connection refused): non-personalized tiers only, degraded', async () => {
    const down = envWith({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' })
    const { status, json } = await recommend(key, home, down)
    expect(status).toBe(200)
    expect(json.metadata).toMatchObject({
      tier: 'global_popular',
      privacy_mode: 'non_personalized',
      degraded: true,
    })
    for (const id of ids(json)) expect(popular).toContain(id)
  })

  it('user state hangs: the tight timeout gives up and serves non-personalized, degraded', async () => {
    // The store accepts and never answers: that the request is answered at all shows the timeout cut the read off
    // (that it is the configured timer: src/adapters/request-state/upstash.test.ts; no wall-clock bound here).
    const hang = envWith({
      UPSTASH_REDIS_REST_URL: inject('blackholeUrl'),
      USER_STATE_TIMEOUT_MS: '60',
    })
    const { status, json } = await recommend(key, home, hang)
    expect(status).toBe(200)
    expect(json.metadata).toMatchObject({
      tier: 'global_popular',
      privacy_mode: 'non_personalized',
      degraded: true,
    })
  })

  it('consent unknown: non-personalized, not degraded', async () => {
    const t = newTenant('consent')
    await publish(baseSpec(t))
    const k = await createKey(t)
    await seedUser(t, 'u1', { segment: 'seg-a' }) // no consent stored
    const { json } = await recommend(k, home)
    expect(json.metadata).toMatchObject({
      privacy_mode: 'non_personalized',
      tier: 'global_popular',
      degraded: false,
    })
    // The request cannot widen it either.
    const asked = await recommend(k, { ...home, privacy_mode: 'personalized' })
    expect(asked.json.metadata.privacy_mode).toBe('non_personalized')
  })

  it('consent false: non-personalized even when the request asks for personalization', async () => {
    const t = newTenant('optout')
    await publish(baseSpec(t))
    const k = await createKey(t)
    await seedUser(t, 'u1', { consent: false })
    const { json } = await recommend(k, { ...home, privacy_mode: 'personalized' })
    expect(json.metadata.privacy_mode).toBe('non_personalized')
    expect(json.metadata.tier).toBe('global_popular')
  })

  it('a tenant may declare consent_default personalized', async () => {
    const t = newTenant('legit')
    await publish(
      baseSpec(t, {
        config: {
          tenant: t,
          surfaces: [{ id: 'home_feed', kind: 'personalized' }],
          consent_default: 'personalized',
        },
      }),
    )
    const k = await createKey(t)
    const { json } = await recommend(k, home)
    expect(json.metadata).toMatchObject({ privacy_mode: 'personalized', tier: 'cached_user' })
  })

  it('contextual_only uses the country segment, never the user slate', async () => {
    const { json } = await recommend(key, {
      ...home,
      privacy_mode: 'contextual_only',
      context: { country: 'fr' },
    })
    expect(json.metadata).toMatchObject({ privacy_mode: 'contextual_only', tier: 'segment' })
    expect(ids(json).slice(0, 2)).toEqual(['i20', 'i21'])
    expect(ids(json)).not.toContain('i31')
  })

  it('manifest missing: the last manifest in memory serves, degraded; with none, 503 UNAVAILABLE', async () => {
    const t = newTenant('gone')
    await publish(baseSpec(t))
    const k = await createKey(t)
    const first = await recommend(k, home)
    expect(first.status).toBe(200)
    await env.EDGE_KV.delete(kvKeys.pointer(t))
    await new Promise((r) => setTimeout(r, 1100)) // the pointer's isolate TTL
    const later = await recommend(k, home)
    expect(later.status).toBe(200)
    expect(later.json.metadata).toMatchObject({ release: 'r1', degraded: true })

    const never = newTenant('never')
    const nk = await createKey(never)
    const none = await recommend(nk, home)
    expect(none.status).toBe(503)
    expect(none.json.error.code).toBe('UNAVAILABLE')
  })

  it('a manifest that names another tenant is never served', async () => {
    const victim = newTenant('victim')
    const attacker = newTenant('attacker')
    await publish(baseSpec(victim))
    // The attacker's pointer leads to a manifest whose content is the victim's.
    const spec = baseSpec(victim)
    await env.EDGE_KV.put(
      kvKeys.pointer(attacker),
      JSON.stringify({ release: 'r1', updated_at: spec.created_at }),
    )
    const victimManifest = await env.EDGE_KV.get(kvKeys.manifest(victim, 'r1'))
    await env.EDGE_KV.put(kvKeys.manifest(attacker, 'r1'), victimManifest!)
    await env.EDGE_KV.put(kvKeys.denylist(attacker, 'r1'), '{"items":[]}')
    await env.EDGE_KV.put(kvKeys.rules(attacker, 'r1'), '{}')
    const k = await createKey(attacker)
    const { status, json } = await recommend(k, home)
    expect(status).toBe(503)
    expect(json.error.code).toBe('UNAVAILABLE')
  })

  it('real-time tombstones unavailable: the release denylist still applies', async () => {
    const t = newTenant('deny')
    await publish(baseSpec(t, { denylist: ['i1', 'i2', 'i3'] }))
    const k = await createKey(t)
    const down = envWith({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' })
    const { json } = await recommend(k, { ...home, limit: 30 }, down)
    expect(json.metadata.degraded).toBe(true)
    expect(ids(json)).not.toEqual(expect.arrayContaining(['i1']))
    for (const d of ['i1', 'i2', 'i3']) expect(ids(json)).not.toContain(d)
  })

  it('no list in the release: the emergency list held in memory serves, still filtered, degraded', async () => {
    const t = newTenant('emerg')
    await publish(baseSpec(t))
    const k = await createKey(t)
    const first = await recommend(k, { ...home, limit: 30 })
    expect(first.json.metadata.tier).toBe('global_popular')
    // Release 2 lost its popular list and denies i2: the list kept from release 1 serves, through r2's eligibility.
    await publish(baseSpec(t, { release: 'r2', popular: [], denylist: ['i2'] }))
    await new Promise((r) => setTimeout(r, 1100))
    const { status, json } = await recommend(k, { ...home, limit: 5 })
    expect(status).toBe(200)
    expect(json.metadata).toMatchObject({ tier: 'emergency', release: 'r2', degraded: true })
    expect(ids(json)).toEqual(['i1', 'i3', 'i4', 'i5', 'i6'])
  })

  it('nothing eligible anywhere: an empty slate says so (degraded), on the last tier it tried', async () => {
    const t = newTenant('none')
    const spec = baseSpec(t)
    await publish({ ...spec, denylist: Object.keys(spec.catalog) })
    const k = await createKey(t)
    const { status, json } = await recommend(k, { ...home, subject: { anonymous_id: 'a1' } })
    expect(status).toBe(200)
    expect(json.items).toEqual([])
    expect(json.metadata).toMatchObject({ tier: 'global_popular', degraded: true })
  })
})
