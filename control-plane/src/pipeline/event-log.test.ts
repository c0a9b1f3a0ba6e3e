import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { logKeys, type DeletionRecord, type EventRecord } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_WEIGHTS, readEventLog, type EventTypeName } from './event-log'

const T0 = Date.parse('2026-03-01T10:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

/** An event ingested `atMin` minutes after T0 that happened a minute earlier. */
function ev(
  id: string,
  type: EventTypeName,
  user: string,
  item: string,
  atMin: number,
): EventRecord {
  const at = iso(T0 + atMin * 60_000)
  return {
    kind: 'event',
    tenant: 'acme',
    at,
    event_id: id,
    type,
    user_id: user,
    item_id: item,
    event_time: iso(T0 + (atMin - 1) * 60_000),
    ingestion_time: at,
    key_id: 'k1',
  }
}
const del = (user: string, atMin: number): DeletionRecord => ({
  kind: 'deletion',
  tenant: 'acme',
  user_id: user,
  at: iso(T0 + atMin * 60_000),
})

/**
 * Runs `body` on a log of its own: a temp dir holding one object of tenant acme (hour of T0, id `id`) with the bytes
 * given, removed afterwards.
 */
async function withOneObject(
  id: string,
  bytes: string | Buffer,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), `event-log-${id}-`))
  try {
    const file = path.join(dir, ...logKeys.object('acme', 'event', T0, id).split('/'))
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, bytes)
    await body(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('readEventLog (DuckDB over the NDJSON log)', () => {
  let dir: string
  /** Writes one log object where the edge would (`logKeys`), lines as given. */
  const put = async (kind: string, at: string, id: string, lines: Array<object | string>) => {
    const file = path.join(dir, ...logKeys.object('acme', kind, at, id).split('/'))
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(
      file,
      lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n',
    )
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'event-log-'))
    const h0 = iso(T0)
    const h1 = iso(T0 + 3_600_000)
    await put('event', h0, 'a', [
      ev('e1', 'view', 'u1', 'i1', 1),
      ev('e2', 'click', 'u1', 'i1', 2),
      ev('e3', 'conversion', 'u2', 'i2', 3),
      ev('e4', 'impression', 'u2', 'i3', 4),
      ev('e5', 'hide', 'u2', 'i4', 5),
      // u3's events before and at the deletion go; the one after it stays.
      ev('e6', 'view', 'u3', 'i1', 6),
      ev('e7', 'click', 'u3', 'i2', 30),
    ])
    // A redelivery in another object: the same event ids again, plus one new event.
    await put('event', h0, 'b', [
      ev('e1', 'view', 'u1', 'i1', 1),
      ev('e3', 'conversion', 'u2', 'i2', 3),
      '{"kind":"event","tenant":"acme"', // truncated line
      ev('e8', 'view', 'u2', 'i1', 8),
    ])
    await put('deletion', h0, 'c', [del('u3', 30)])
    await put('event', h1, 'd', [
      ev('e9', 'view', 'u3', 'i3', 61),
      'not json at all',
      '42',
      { ...ev('e10', 'view', 'u1', 'i2', 62), event_time: 'yesterday' },
      { ...ev('e11', 'view', 'u1', 'i2', 62), tenant: 'other' },
      { ...ev('e12', 'view', 'u1', 'i2', 62), type: 'like' },
      { ...ev('e13', 'view', 'u1', 'i2', 62), user_id: 'has space' },
      '',
    ])
    await put('decision', h1, 'e', [{ kind: 'decision', tenant: 'acme', at: h1, slate_id: 's1' }])
    // Other tenants' folders are not read.
    await mkdir(path.join(dir, 'other/2026-03-01/10'), { recursive: true })
    await writeFile(
      path.join(dir, 'other/2026-03-01/10/event-x.ndjson'),
      JSON.stringify({ ...ev('o1', 'view', 'u9', 'i9', 1), tenant: 'other' }) + '\n',
    )
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('keeps positive events as weighted interactions at their event time, hides apart', async () => {
    const progress: string[] = []
    const log = await readEventLog({ dir, tenant: 'acme', progress: (m) => progress.push(m) })
    const t = (min: number) => T0 + (min - 1) * 60_000
    expect(log.interactions).toEqual([
      { user_id: 'u1', item_id: 'i1', ts: t(1), weight: EVENT_WEIGHTS.view },
      { user_id: 'u1', item_id: 'i1', ts: t(2), weight: EVENT_WEIGHTS.click },
      { user_id: 'u2', item_id: 'i2', ts: t(3), weight: EVENT_WEIGHTS.conversion },
      { user_id: 'u2', item_id: 'i1', ts: t(8), weight: EVENT_WEIGHTS.view },
      { user_id: 'u3', item_id: 'i3', ts: t(61), weight: EVENT_WEIGHTS.view },
    ])
    expect(log.hides).toEqual([{ user_id: 'u2', item_id: 'i4', ts: t(5), weight: 1 }])
    expect(progress.at(0)).toMatch(/^5 log objects/)
    expect(progress.at(-1)).toMatch(/5 interactions, 2 duplicates/)
  })

  it('reports duplicates, deletions, malformed lines and counts by type', async () => {
    const { stats } = await readEventLog({ dir, tenant: 'acme' })
    expect(stats).toMatchObject({
      tenant: 'acme',
      objects: 5,
      lines: 20,
      records: { event: 11, deletion: 1, decision: 1 },
      duplicates: 2,
      deleted_users: 1,
      // e6 (before) and e7 (at the deletion); e9 came after it.
      deleted_user_events: 2,
      by_type: { view: 3, click: 1, conversion: 1, impression: 1, hide: 1 },
      interactions: 5,
      users: 3,
      items: 3,
      malformed: 7,
    })
    expect(stats.malformed_at).toEqual([
      '2026-03-01/10/event-b.ndjson:3',
      '2026-03-01/11/event-d.ndjson:2',
      '2026-03-01/11/event-d.ndjson:3',
      '2026-03-01/11/event-d.ndjson:4',
      '2026-03-01/11/event-d.ndjson:5',
    ])
  })

  it('a line that is not valid UTF-8 is counted as malformed, not fatal', async () => {
    const line = (e: object) => Buffer.from(JSON.stringify(e) + '\n')
    // A torn multi-byte character (0xc3 without its continuation byte) in a field nothing else checks.
    const torn = Buffer.from(
      JSON.stringify({ ...ev('z2', 'view', 'u1', 'i3', 2), key_id: 'k\u00ff' }),
    )
    const bytes = Buffer.concat([
      line(ev('z1', 'view', 'u1', 'i1', 1)),
      torn.subarray(0, torn.indexOf(0xbf)),
      torn.subarray(torn.indexOf(0xbf) + 1),
      Buffer.from('\n'),
      line(ev('z3', 'click', 'u2', 'i2', 3)),
    ])
    await withOneObject('z', bytes, async (bad) => {
      const log = await readEventLog({ dir: bad, tenant: 'acme' })
      expect(log.interactions.map((x) => `${x.user_id}/${x.item_id}`)).toEqual(['u1/i1', 'u2/i2'])
      expect(log.stats).toMatchObject({ lines: 3, malformed: 1, interactions: 2 })
      expect(log.stats.malformed_at).toEqual(['2026-03-01/10/event-z.ndjson:2'])
    })
  })

  it('an event_time more than 24 h after its ingestion is malformed: one such line cannot move the clock', async () => {
    const lines = [
      ev('f1', 'view', 'u1', 'i1', 1),
      // Parseable, but the edge refuses anything more than 24 h ahead of its clock: not from the edge.
      { ...ev('f2', 'view', 'u1', 'i2', 2), event_time: '+099999-01-01T00:00:00.000Z' },
      { ...ev('f3', 'view', 'u1', 'i3', 3), event_time: iso(T0 + 25 * 3_600_000) },
      { ...ev('f4', 'view', 'u2', 'i2', 4), event_time: iso(T0 + 23 * 3_600_000) },
    ]
    await withOneObject('f', lines.map((l) => JSON.stringify(l)).join('\n') + '\n', async (far) => {
      const log = await readEventLog({ dir: far, tenant: 'acme' })
      expect(log.interactions.map((x) => `${x.user_id}/${x.item_id}`)).toEqual(['u1/i1', 'u2/i2'])
      expect(log.stats).toMatchObject({ lines: 4, malformed: 2, interactions: 2 })
      expect(Math.max(...log.interactions.map((x) => x.ts))).toBe(T0 + 23 * 3_600_000)
    })
  })

  it('reads a time without an offset as UTC whatever the time zone of the host', async () => {
    const at = '2026-03-01T10:00:00'
    const e = { ...ev('n1', 'view', 'u1', 'i1', 0), at, event_time: at, ingestion_time: at }
    await withOneObject('n', JSON.stringify(e) + '\n', async (naive) => {
      // DuckDB takes the zone from the process's TZ when it starts: a process of its own, as on a non-UTC host.
      const script = `import { readEventLog } from ${JSON.stringify(path.resolve(import.meta.dirname, 'event-log.ts'))}
        const log = await readEventLog({ dir: ${JSON.stringify(naive)}, tenant: 'acme' })
        console.log(JSON.stringify(log.interactions.map((x) => x.ts)))`
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { env: { ...process.env, TZ: 'America/New_York' } },
      )
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual([T0])
    })
  }, 30_000)

  it('a tenant without a folder is an empty log', async () => {
    const log = await readEventLog({ dir, tenant: 'nobody' })
    expect(log.interactions).toEqual([])
    expect(log.stats).toMatchObject({ objects: 0, lines: 0, malformed: 0, interactions: 0 })
  })
})
