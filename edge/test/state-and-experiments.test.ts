import { describe, expect, it } from 'vitest'
import { assignVariant, redisKeys, type Experiment } from '@recsys/shared'
import { baseSpec, createKey, newTenant, publish, redis, seedUser, slate } from './fixtures'
import { recommend } from './request'

const ids = (json: any): string[] => json.items.map((i: { item_id: string }) => i.item_id)

describe('real-time state at the edge', () => {
  it('a real-time tombstone removes the item from every tier from the next request on', async () => {
    const t = newTenant('tomb')
    await publish(baseSpec(t))
    const key = await createKey(t)
    await seedUser(t, 'u1', { consent: true })
    const body = { surface: 'home_feed', subject: { user_id: 'u1' }, limit: 10 }
    expect(ids((await recommend(key, body)).json)).toContain('i31')
    await redis().sadd(redisKeys.tombstones(t), 'i31', 'i1')
    const after = await recommend(key, body)
    expect(ids(after.json)).not.toContain('i31')
    expect(ids(after.json)).not.toContain('i1')
    expect(after.json.metadata.degraded).toBe(false)
  })

  it('frequency cap counts impressions inside the window only; seen items are excluded', async () => {
    const t = newTenant('cap')
    await publish(
      baseSpec(t, {
        rules: {
          default: {
            version: 'cap',
            eligibility: { exclude_seen: true, frequency_cap: { max: 2, window_s: 3600 } },
            rerank: {},
          },
        },
      }),
    )
    const key = await createKey(t)
    const now = Date.now()
    await seedUser(t, 'u1', {
      consent: true,
      seen: ['i33'],
      impressions: [
        { item: 'i31', at: now - 1000 },
        { item: 'i31', at: now - 2000 }, // two inside the hour: capped
        { item: 'i32', at: now - 1000 },
        { item: 'i32', at: now - 7_200_000 }, // one inside, one outside: not capped
      ],
    })
    const { json } = await recommend(key, {
      surface: 'home_feed',
      subject: { user_id: 'u1' },
      limit: 5,
    })
    expect(ids(json).slice(0, 3)).toEqual(['i32', 'i34', 'i35'])
    expect(ids(json)).not.toContain('i31')
    expect(ids(json)).not.toContain('i33')
  })
})

describe('experiments', () => {
  it('assigns deterministically, reports the variant, and applies its slate family and rules', async () => {
    const t = newTenant('exp')
    const exp: Experiment = {
      id: 'slates-v2',
      salt: 'salt-1',
      surfaces: ['home_feed'],
      variants: [
        { id: 'control', weight: 1, overrides: {} },
        { id: 'treatment', weight: 1, overrides: { slate_variant: 'v2', rules: 'strict' } },
      ],
    }
    const spec = baseSpec(t, { experiments: [exp] })
    // Find one user in each arm with the shared assignment function (the edge must agree with it).
    const users = Array.from({ length: 50 }, (_, i) => `user${i}`)
    const inArm = (arm: string) => users.find((u) => assignVariant(exp, `u.${u}`).id === arm)!
    const control = inArm('control')
    const treated = inArm('treatment')
    await publish({
      ...spec,
      rules: {
        ...spec.rules,
        strict: { version: 'strict-1', eligibility: { exclude_seen: true }, rerank: {} },
      },
      user_slates: [
        { surface: 'home_feed', user_id: control, slate: slate(['i1', 'i2']) },
        { surface: 'home_feed', user_id: treated, slate: slate(['i1', 'i2']) },
        { surface: 'home_feed', variant: 'v2', user_id: treated, slate: slate(['i9', 'i8']) },
      ],
    })
    const key = await createKey(t)
    for (const u of [control, treated]) await seedUser(t, u, { consent: true })
    const body = (u: string) => ({ surface: 'home_feed', subject: { user_id: u }, limit: 2 })

    const c = await recommend(key, body(control))
    expect(c.json.metadata.experiments).toEqual([{ id: 'slates-v2', variant: 'control' }])
    expect(ids(c.json)).toEqual(['i1', 'i2'])
    expect(c.json.metadata.rules_version).toBe('rules1')

    const tr = await recommend(key, body(treated))
    expect(tr.json.metadata.experiments).toEqual([{ id: 'slates-v2', variant: 'treatment' }])
    expect(ids(tr.json)).toEqual(['i9', 'i8'])
    expect(tr.json.metadata.rules_version).toBe('strict-1')

    // Same unit, same arm, every time.
    expect((await recommend(key, body(treated))).json.metadata.experiments[0].variant).toBe(
      'treatment',
    )
    // Other surfaces are outside the experiment.
    const related = await recommend(key, {
      surface: 'related_items',
      subject: { user_id: treated },
      context: { item_id: 'i1' },
      limit: 2,
    })
    expect(related.json.metadata.experiments).toEqual([])
  })
})
