import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, migrate, type DbHandle } from '../db/client'
import { apiKeys } from '../db/schema/index'
import { loggableError } from './errors'

describe('loggableError (a real failed query on PGlite)', () => {
  let h: DbHandle
  beforeAll(async () => {
    h = await createDb({ url: 'memory://' })
    await migrate(h)
  })
  afterAll(() => h.close())

  it('keeps the query and the reason, drops the values (key hashes, key prefixes)', async () => {
    const secretHash = 'f'.repeat(64)
    // The tenant does not exist: the insert fails on the foreign key, and drizzle's error lists the values.
    const e = await h.db
      .insert(apiKeys)
      .values({
        id: 'k-1',
        tenant_id: 'no-such-tenant',
        key_hash: secretHash,
        prefix: 'rk_live_abcd',
        permissions: ['recommend'],
        created_by: 'op',
      })
      .then(
        () => undefined,
        (x: unknown) => x,
      )
    expect(e).toBeInstanceOf(Error)
    expect(String((e as Error).message)).toContain(secretHash)
    const logged = loggableError(e)
    expect(logged.error).toMatch(/insert into "api_keys"/)
    expect(logged.error).toMatch(/foreign key/)
    expect(JSON.stringify(logged)).not.toContain(secretHash)
    expect(JSON.stringify(logged)).not.toContain('rk_live_abcd')
  })
})
