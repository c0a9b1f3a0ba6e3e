import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { logKeys, type EventRecord } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, migrate, type DbHandle } from '../db/client'
import { catalogItems, tenants } from '../db/schema/index'
import { readLogDataset } from './log-dataset'

const T0 = Date.parse('2026-03-01T10:00:00Z')

function ev(id: string, user: string, item: string, min: number): EventRecord {
  const at = new Date(T0 + min * 60_000).toISOString()
  return {
    kind: 'event',
    tenant: 'shop',
    at,
    event_id: id,
    type: 'click',
    user_id: user,
    item_id: item,
    event_time: at,
    ingestion_time: at,
    key_id: 'k',
  }
}

describe('readLogDataset (log:<dir>: the event log + the catalog in the database)', () => {
  let h: DbHandle
  let dir: string
  beforeAll(async () => {
    h = await createDb({ url: 'memory://' })
    await migrate(h)
    await h.db.insert(tenants).values([
      { id: 'shop', name: 'shop' },
      { id: 'empty', name: 'empty' },
    ])
    await h.db.insert(catalogItems).values([
      {
        tenant_id: 'shop',
        item_id: 'a',
        title: 'A',
        categories: ['c1'],
        published_at: new Date(T0 - 1000),
      },
      { tenant_id: 'shop', item_id: 'b', categories: ['c2'], safe: true },
      { tenant_id: 'shop', item_id: 'never', categories: [] },
    ])
    dir = await mkdtemp(path.join(tmpdir(), 'log-dataset-'))
    const key = logKeys.object('shop', 'event', T0, 'x')
    await mkdir(path.join(dir, path.dirname(key)), { recursive: true })
    const lines = [ev('1', 'u1', 'a', 1), ev('2', 'u2', 'b', 2), ev('3', 'u2', 'gone', 3)]
    await writeFile(path.join(dir, key), lines.map((l) => JSON.stringify(l)).join('\n'))
  })
  afterAll(async () => {
    await h?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('joins the log to the catalog: unknown items left out and counted, users in cluster 0', async () => {
    const r = await readLogDataset(h.db, { dir, tenant: 'shop' })
    if (!r.ok) throw new Error(r.error.message)
    const { data, stats, now } = r.value
    expect(data.interactions.map((x) => `${x.user_id}/${x.item_id}`)).toEqual(['u1/a', 'u2/b'])
    expect(stats.unknown_item_interactions).toBe(1)
    expect(data.users).toEqual([
      { user_id: 'u1', cluster: 0 },
      { user_id: 'u2', cluster: 0 },
    ])
    expect(now).toBe(T0 + 2 * 60_000)
    // published_at: the catalog's, else the first interaction, else the log's first.
    expect(data.items.map((i) => [i.item_id, i.title, i.published_at, i.safe])).toEqual([
      ['a', 'A', T0 - 1000, false],
      ['b', '', T0 + 2 * 60_000, true],
      ['never', '', T0 + 60_000, false],
    ])
  })

  it('an empty catalog or a log without catalog interactions is a BAD_REQUEST', async () => {
    const empty = await readLogDataset(h.db, { dir, tenant: 'empty' })
    expect(empty).toMatchObject({ ok: false, error: { message: /catalog of empty is empty/ } })
    const none = await readLogDataset(h.db, { dir: path.join(dir, 'nope'), tenant: 'shop' })
    expect(none).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
  })
})
