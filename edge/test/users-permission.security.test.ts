import { describe, expect, it } from 'vitest'
import { redisKeys } from '@recsys/shared'
import { baseSpec, createKey, newTenant, publish, redis, seedUser } from './fixtures'
import { call } from './request'

/**
 * Issue 18, finding 10: `DELETE /v1/users/{id}` and consent took the `events` permission, which a key shipped in a
 * client app holds, so anyone who read it could delete or withdraw consent for every user of the tenant. They take
 * `users` now. Failed on the code before the fix (the events key got 202 and 204).
 */
describe('deletion and consent need the users permission', () => {
  it('an events key (publishable) gets 403 and changes nothing; a users key gets through', async () => {
    const t = newTenant('sec-users')
    await publish(baseSpec(t))
    await seedUser(t, 'u1', { consent: true, suppressedItems: ['i2'] })
    const publishable = await createKey(t, ['recommend', 'events'])
    const server = await createKey(t, ['users'])

    const del = await call('/v1/users/u1', { key: publishable, method: 'DELETE' })
    expect(del.status).toBe(403)
    const body = (await del.json()) as any
    expect(body.error.code).toBe('FORBIDDEN')
    expect(body.error.message).toMatch(/'users' permission/)
    const consent = await call('/v1/users/u1/consent', {
      key: publishable,
      method: 'PUT',
      body: { personalization: false },
    })
    expect(consent.status).toBe(403)
    expect(await redis().hget(redisKeys.profile(t, 'u.u1'), 'consent')).toBe('1')
    expect(await redis().smembers(redisKeys.suppressedItems(t, 'u.u1'))).toEqual(['i2'])

    expect(
      (
        await call('/v1/users/u1/consent', {
          key: server,
          method: 'PUT',
          body: { personalization: false },
        })
      ).status,
    ).toBe(204)
    expect((await call('/v1/users/u1', { key: server, method: 'DELETE' })).status).toBe(202)
    expect(await redis().exists(redisKeys.suppressedItems(t, 'u.u1'))).toBe(0)
    // A users key is not an events key either.
    const events = await call('/v1/events', {
      key: server,
      body: {
        events: [
          {
            event_id: 'e1',
            type: 'view',
            user_id: 'u1',
            item_id: 'i1',
            event_time: new Date().toISOString(),
          },
        ],
      },
    })
    expect(events.status).toBe(403)
  })
})
