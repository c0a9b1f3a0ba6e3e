import { createClient, RecsysError } from '@recsys/client'
import { beforeAll, describe, expect, it } from 'vitest'
import { baseSpec, createKey, newTenant, publish, seedUser } from './fixtures'
import { edgeFetch } from './request'

/**
 * The typed client (`@recsys/client`) against the real edge app in workerd, with real KV and Redis behind it: a
 * slate, its impression and click with the slate's tracking tokens, a hide that the next slate honours, consent and
 * deletion with a server key, and the edge's refusals as typed errors.
 */
describe('@recsys/client against the edge', () => {
  let tenant: string
  let appKey: string
  let serverKey: string
  const client = (apiKey: string) =>
    createClient({ baseUrl: 'https://edge.test', apiKey, fetch: edgeFetch, timeoutMs: 20_000 })

  beforeAll(async () => {
    tenant = newTenant('sdk')
    await publish(baseSpec(tenant))
    appKey = await createKey(tenant, ['recommend', 'events'])
    serverKey = await createKey(tenant, ['users'])
    await seedUser(tenant, 'u1', { consent: true })
  })

  it('gets a slate, sends its impression and click, and a hidden item leaves the next slate', async () => {
    const app = client(appKey)
    const home = { surface: 'home_feed', subject: { user_id: 'u1' }, limit: 5 }
    const first = await app.recommend(home)
    expect(first.items).toHaveLength(5)
    expect(first.items.map((i) => i.position)).toEqual([1, 2, 3, 4, 5])
    const [top] = first.items
    const now = new Date().toISOString()
    const sent = await app.sendEvents([
      {
        event_id: crypto.randomUUID(),
        type: 'impression',
        user_id: 'u1',
        item_id: top!.item_id,
        tracking_token: top!.tracking_token,
        event_time: now,
      },
      {
        event_id: crypto.randomUUID(),
        type: 'hide',
        user_id: 'u1',
        item_id: top!.item_id,
        event_time: now,
      },
      // Refused one by one, not as an error: a click needs its tracking token.
      {
        event_id: crypto.randomUUID(),
        type: 'click',
        user_id: 'u1',
        item_id: top!.item_id,
        event_time: now,
      },
    ])
    expect(sent).toMatchObject({ accepted: 2, duplicates: 0 })
    expect(sent.rejected.map((r) => [r.index, r.code])).toEqual([[2, 'invalid_event']])
    const next = await app.recommend(home)
    expect(next.items.map((i) => i.item_id)).not.toContain(top!.item_id)
  })

  it('sets consent and deletes a user with a server key; the app key may not', async () => {
    await expect(client(appKey).setConsent('u2', true)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
      retryable: false,
    })
    const server = client(serverKey)
    await server.setConsent('u2', false)
    const off = await client(appKey).recommend({
      surface: 'home_feed',
      subject: { user_id: 'u2' },
      limit: 3,
    })
    expect(off.metadata.privacy_mode).not.toBe('personalized')
    expect(await server.deleteUser('u2')).toEqual({ user_id: 'u2', purged: true })
  })

  it("turns the edge's refusals into typed errors with the request id", async () => {
    const e = await client(appKey)
      .recommend({ surface: 'no_such_surface', subject: { user_id: 'u1' } })
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(RecsysError)
    expect(e).toMatchObject({ code: 'NOT_FOUND', status: 404, attempts: 1 })
    expect((e as RecsysError).requestId).toMatch(/\S/)
    await expect(
      client('rk_unknown').recommend({ surface: 'home_feed', subject: { user_id: 'u1' } }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 })
  })
})
