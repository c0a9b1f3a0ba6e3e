import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DeletionRecord, redisKeys } from '@recsys/shared'
import { baseSpec, createKey, newTenant, publish, redis, seedUser } from './fixtures'
import { waitForLog } from './log-reader'
import { call, postEvents, recommend } from './request'

const home = (user: string) => ({ surface: 'home_feed', subject: { user_id: user }, limit: 5 })
const consent = (key: string, user: string, body: unknown) =>
  call(`/v1/users/${user}/consent`, { key, method: 'PUT', body })

describe('PUT /v1/users/{user_id}/consent', () => {
  it('false turns the next request non-personalized; true turns it back', async () => {
    const t = newTenant('consent')
    await publish(baseSpec(t))
    const key = await createKey(t)
    // Deletion and consent take a server key of their own (`users`); clients hold recommend and events.
    const admin = await createKey(t, ['users'])
    expect((await recommend(key, home('u1'))).json.metadata.privacy_mode).toBe('non_personalized')
    const yes = await consent(admin, 'u1', { personalization: true })
    expect(yes.status).toBe(204)
    const p = await recommend(key, home('u1'))
    expect(p.json.metadata).toMatchObject({ privacy_mode: 'personalized', tier: 'cached_user' })
    expect((await consent(admin, 'u1', { personalization: false })).status).toBe(204)
    const np = await recommend(key, home('u1'))
    expect(np.json.metadata.privacy_mode).toBe('non_personalized')
    expect(np.json.metadata.tier).not.toBe('cached_user')
    expect(await redis().ttl(redisKeys.profile(t, 'u.u1'))).toBeGreaterThan(300 * 86_400)
  })

  it('withdrawn consent drops session context and keeps none from later views', async () => {
    const t = newTenant('consent-ctx')
    await publish(baseSpec(t))
    const key = await createKey(t)
    // Deletion and consent take a server key of their own (`users`); clients hold recommend and events.
    const admin = await createKey(t, ['users'])
    await consent(admin, 'u1', { personalization: true })
    const view = (item_id: string) => ({
      event_id: crypto.randomUUID(),
      type: 'view',
      user_id: 'u1',
      item_id,
      event_time: new Date().toISOString(),
    })
    await postEvents(key, [view('i1')])
    expect(await redis().lrange(redisKeys.recent(t, 'u.u1'), 0, -1)).toEqual(['i1'])
    await consent(admin, 'u1', { personalization: false })
    await postEvents(key, [view('i2')])
    expect(await redis().exists(redisKeys.recent(t, 'u.u1'))).toBe(0)
  })

  it('400 for a bad body or user id, 403 without the users permission', async () => {
    const t = newTenant('consent-bad')
    // Deletion and consent take a server key of their own (`users`); clients hold recommend and events.
    const admin = await createKey(t, ['users'])
    for (const body of [{}, { personalization: 'yes' }, { personalization: true, x: 1 }, null]) {
      const r = await consent(admin, 'u1', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(((await r.json()) as any).error.code).toBe('BAD_REQUEST')
    }
    expect(
      (await call('/v1/users/u1/consent', { key: admin, method: 'PUT', raw: '{' })).status,
    ).toBe(400)
    expect((await consent(admin, 'bad%20id', { personalization: true })).status).toBe(400)
    const ro = await createKey(t, ['recommend'])
    expect((await consent(ro, 'u1', { personalization: true })).status).toBe(403)
  })
})

describe('DELETE /v1/users/{user_id}', () => {
  it('purges every key of the user at once, leaves other users alone, and logs a deletion record', async () => {
    const t = newTenant('del')
    await publish(baseSpec(t))
    const key = await createKey(t)
    // Deletion and consent take a server key of their own (`users`); clients hold recommend and events.
    const admin = await createKey(t, ['users'])
    for (const u of ['u1', 'u2'])
      await seedUser(t, u, {
        consent: true,
        age: 30,
        segment: 'seg-a',
        suppressedCategories: ['c1'],
        impressions: [{ item: 'i1', at: Date.now() }],
      })
    const slate = (await recommend(key, home('u1'))).json
    const ev = (type: string, item_id: string, token?: string) => ({
      event_id: crypto.randomUUID(),
      type,
      user_id: 'u1',
      item_id,
      event_time: new Date().toISOString(),
      ...(token && { tracking_token: token }),
    })
    const it0 = slate.items[0]
    const r = await postEvents(key, [
      ev('impression', it0.item_id, it0.tracking_token),
      ev('click', it0.item_id, it0.tracking_token),
      ev('view', 'i2'),
      ev('hide', 'i3'),
      ev('conversion', 'i4'),
    ])
    expect(r.json.accepted).toBe(5)
    const keysOf = async (u: string) => (await redis().keys(`t:${t}:u:u.${u}:*`)).sort()
    expect(await keysOf('u1')).toHaveLength(6)

    const res = await SELF.fetch(`https://edge.test/v1/users/u1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(res.status).toBe(202)
    expect(await keysOf('u1')).toEqual([])
    expect(await keysOf('u2')).toHaveLength(3)
    // The next request knows nothing of the user: no consent, so non-personalized.
    expect((await recommend(key, home('u1'))).json.metadata.privacy_mode).toBe('non_personalized')

    const recs = await waitForLog(`${t}/`, (rs) => rs.some((x) => x.kind === 'deletion'))
    const del = recs.find((x) => x.kind === 'deletion')
    expect(DeletionRecord.safeParse(del).success).toBe(true)
    expect(del).toMatchObject({ kind: 'deletion', tenant: t, user_id: 'u1' })
    // Deleting again is fine (idempotent).
    expect((await call('/v1/users/u1', { key: admin, method: 'DELETE' })).status).toBe(202)
    expect((await call('/v1/users/bad%20id', { key: admin, method: 'DELETE' })).status).toBe(400)
  })
})
