import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { EventRecord } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_WEIGHTS, readEventLog } from '../pipeline/event-log'
import { readMovieLens } from '@recsys/trainer/data/movielens'
import { importMovieLensEvents, ratingEventType } from './import-movielens'

const GENRES = 19
/** Ratings of 12 users on 20 movies over ~3 days, some in the same hour; both formats hold the same ratings. */
const ratings = Array.from({ length: 12 }, (_, u) =>
  Array.from({ length: 6 }, (_, k) => ({
    user: u + 1,
    movie: ((u * 7 + k * 3) % 20) + 1,
    rating: [0.5, 2, 3, 3.5, 4, 5][(u + k) % 6]!,
    ts: 1_000_000_000 + u * 20_000 + k * 900,
  })),
).flat()

describe('recsys events import --movielens (MovieLens → event log → readEventLog)', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'ml-import-'))
    await mkdir(path.join(root, 'latest'))
    await writeFile(
      path.join(root, 'latest/movies.csv'),
      'movieId,title,genres\n' +
        Array.from({ length: 20 }, (_, m) => `${m + 1},"Film ${m + 1}, The",Drama`).join('\n'),
    )
    await writeFile(
      path.join(root, 'latest/ratings.csv'),
      'userId,movieId,rating,timestamp\n' +
        ratings.map((r) => `${r.user},${r.movie},${r.rating},${r.ts}`).join('\n'),
    )
    await mkdir(path.join(root, '100k'))
    await writeFile(
      path.join(root, '100k/u.item'),
      Array.from(
        { length: 20 },
        (_, m) => `${m + 1}|Film ${m + 1}|01-Jan-1995||http://x|${'0|'.repeat(GENRES - 1)}1`,
      ).join('\n'),
    )
    // ml-100k has whole stars only.
    await writeFile(
      path.join(root, '100k/u.data'),
      ratings.map((r) => `${r.user}\t${r.movie}\t${Math.ceil(r.rating)}\t${r.ts}`).join('\n'),
    )
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  for (const format of ['latest', '100k'] as const)
    it(`${format}: the log reads back as the reader's interactions, weighted by event type`, async () => {
      const out = path.join(root, `log-${format}`)
      const dir = path.join(root, format)
      const r = await importMovieLensEvents({ tenant: 'acme', movielens: dir, out })
      expect(r).toMatchObject({ tenant: 'acme', events: ratings.length })
      expect(r.objects).toBe(r.hours)

      const expected = (await readMovieLens(dir)).interactions.map((x) => ({
        ...x,
        weight: EVENT_WEIGHTS[ratingEventType(x.weight * 5)],
      }))
      const log = await readEventLog({ dir: out, tenant: 'acme' })
      expect(log.interactions).toEqual(expected)
      expect(log.stats).toMatchObject({ malformed: 0, duplicates: 0, objects: r.objects })

      // The layout and records are the edge's: <tenant>/<date>/<hh>/event-import-<n>.ndjson, valid EventRecords.
      const files = (await readdir(path.join(out, 'acme'), { recursive: true })).filter((f) =>
        f.endsWith('.ndjson'),
      )
      for (const f of files) expect(f).toMatch(/^\d{4}-\d\d-\d\d\/\d\d\/event-import-0\.ndjson$/)
      const first = (await readFile(path.join(out, 'acme', files[0]!), 'utf8')).split('\n')[0]!
      expect(EventRecord.parse(JSON.parse(first))).toMatchObject({
        kind: 'event',
        tenant: 'acme',
        key_id: 'import:movielens',
      })

      // Re-importing is idempotent: same files, same event ids, nothing counted twice.
      const again = await importMovieLensEvents({ tenant: 'acme', movielens: dir, out })
      expect(again.objects).toBe(r.objects)
      const reread = await readEventLog({ dir: out, tenant: 'acme' })
      expect(reread.interactions).toEqual(expected)
      expect(reread.stats.duplicates).toBe(0)
    })

  it('maps ratings to types: ≥ 4 conversion, 3–3.5 click, below view', () => {
    expect([0.5, 2.5, 3, 3.5, 4, 5].map(ratingEventType)).toEqual([
      'view',
      'view',
      'click',
      'click',
      'conversion',
      'conversion',
    ])
  })

  it('a folder of neither format is refused', async () => {
    await expect(
      importMovieLensEvents({ tenant: 'acme', movielens: root, out: path.join(root, 'x') }),
    ).rejects.toThrow(/neither ratings\.csv/)
  })
})
