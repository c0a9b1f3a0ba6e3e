import { ApiKeyRecord, kvKeys } from '@recsys/shared'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../audit/write'
import { createDb, migrate, type DbHandle } from '../db/client'
import type { EdgeStoreWriter } from '../publish/edge-store'
import { createApiKey, createTenant, DEFAULT_KEY_PERMISSIONS, ensureApiKey } from './service'

/**
 * Issue 18, finding 10: deletion and consent shared the `events` permission, which keys shipped in client apps
 * hold. They take `users` now, a permission publishable keys (those with recommend or events) never hold.
 */

/** The edge store as a map (the push is what makes a key usable). */
class MemoryEdge implements EdgeStoreWriter {
  readonly kv = new Map<string, unknown>()
  async putJson(entries: ReadonlyArray<{ key: string; value: unknown }>) {
    for (const e of entries) this.kv.set(e.key, JSON.parse(JSON.stringify(e.value)))
  }
  async getJson(key: string) {
    return this.kv.get(key) ?? null
  }
}

const actor: Actor = { id: 'op-sec', role: 'admin' }
const tenant = 'sec-keys'
let h: DbHandle
const edge = new MemoryEdge()

beforeAll(async () => {
  h = await createDb({ url: 'memory://' })
  await migrate(h)
  expect((await createTenant({ db: h.db, edge }, { id: tenant, actor, reason: 'test' })).ok).toBe(
    true,
  )
}, 60_000)
afterAll(async () => {
  await h?.close()
})

const create = (permissions: string[]) =>
  createApiKey({ db: h.db, edge }, { tenant, permissions, actor, reason: 'test' })

describe('the users permission (security: any events key could delete users)', () => {
  it('exists, and the default key (the publishable kind) does not hold it', async () => {
    expect(DEFAULT_KEY_PERMISSIONS).toEqual(['recommend', 'events'])
    const r = await create(['users'])
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.permissions).toEqual(['users'])
    const pushed = edge.kv.get(
      kvKeys.apiKey(createHash('sha256').update(r.value.api_key).digest('hex')),
    )
    expect(ApiKeyRecord.parse(pushed).permissions).toEqual(['users'])
    expect((await create(['users', 'debug'])).ok).toBe(true)
  })

  it('is refused on a key that also holds recommend or events, however the key is made', async () => {
    for (const permissions of [
      ['users', 'events'],
      ['recommend', 'users'],
      ['recommend', 'events', 'debug', 'users'],
    ]) {
      const r = await create(permissions)
      expect(r.ok, permissions.join()).toBe(false)
      if (!r.ok) expect(r.error).toMatchObject({ code: 'BAD_REQUEST', message: /server keys/ })
      const brought = await ensureApiKey(
        { db: h.db, edge },
        {
          tenant,
          api_key: `rk_sec_${permissions.join('_')}_0123456789abcdef`,
          permissions,
          actor,
          reason: 'test',
        },
      )
      expect(brought.ok).toBe(false)
      const first = await createTenant(
        { db: h.db, edge },
        { id: `sec-${permissions.length}`, permissions, actor, reason: 'test' },
      )
      expect(first.ok).toBe(false)
    }
  })
})
