import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { expect, it } from 'vitest'

/** What one CLI run gave: exit code, both streams, and stdout parsed as JSON when it is JSON. */
export interface Ran {
  code: number
  stdout: string
  stderr: string
  json: any
}

/**
 * The pipeline's CLI end to end (MovieLens imports, `pipeline run` on the log, `eval`, the champion gate), run
 * inside the CLI suite (cli.e2e.test.ts) on its control plane and edge: `get` gives its harness once it is open.
 */
export function pipelineCliCases(
  get: () => {
    recsys: (args: string[], env?: Record<string, string | undefined>, cwd?: string) => Promise<Ran>
    run: string
    tenant: string
    dir: string
  },
) {
  it('imports MovieLens as a catalog and as log events, then runs the pipeline on the log (deletions honoured)', async () => {
    const { recsys, run, dir } = get()
    const ml = `ml-${run}`
    expect((await recsys(['tenant', 'create', ml, '--json'])).code).toBe(0)
    const genres = ['Comedy', 'Drama', 'Horror']
    const movies = Array.from(
      { length: 30 },
      (_, m) => `${m + 1},"Movie ${m + 1}",${genres[m % 3]}`,
    )
    const ratings: string[] = []
    for (let u = 1; u <= 12; u++)
      for (let k = 0; k < 8; k++)
        ratings.push(
          `${u},${(u % 3) + 3 * ((u + k) % 10) + 1},${3 + (k % 3)},${964_000_000 + u * 1000 + k}`,
        )
    const mlDir = path.join(dir, 'ml-small')
    await mkdir(mlDir)
    await writeFile(path.join(mlDir, 'movies.csv'), ['movieId,title,genres', ...movies].join('\n'))
    await writeFile(
      path.join(mlDir, 'ratings.csv'),
      ['userId,movieId,rating,timestamp', ...ratings].join('\n'),
    )
    const logDir = path.join(dir, 'log')
    const ev = await recsys([
      'events',
      'import',
      '--tenant',
      ml,
      '--movielens',
      mlDir,
      '--out',
      logDir,
      '--json',
    ])
    expect(ev.code, ev.stderr).toBe(0)
    expect(ev.json).toMatchObject({ tenant: ml, format: 'ml-latest', events: 96 })
    // u-1 asks to be forgotten after all their ratings were ingested.
    const deletion = {
      kind: 'deletion',
      tenant: ml,
      user_id: 'u-1',
      at: '2001-01-01T00:00:00.000Z',
    }
    await mkdir(path.join(logDir, ml, '2001-01-01', '00'), { recursive: true })
    await writeFile(
      path.join(logDir, ml, '2001-01-01', '00', 'deletion-x.ndjson'),
      JSON.stringify(deletion),
    )

    const cat = await recsys(['catalog', 'import', '--tenant', ml, '--movielens', mlDir, '--json'])
    expect(cat.json).toEqual({ tenant: ml, upserted: 30, total: 30 })
    const both = await recsys(['catalog', 'import', '--tenant', ml, '--movielens', mlDir, 'x.json'])
    expect(both.code).toBe(2)

    const r = await recsys([
      'pipeline',
      'run',
      '--tenant',
      ml,
      '--dataset',
      `log:${logDir}`,
      '--json',
    ])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.json.dataset).toMatchObject({
      name: 'log:log',
      items: 30,
      users: 11,
      interactions: 88,
    })
    expect(r.json.artifacts.map((a: any) => a.kind)).toContain('slates')
    expect(r.stderr).toMatch(/8 events of deleted users/)
  })

  it('eval prints models × metrics and the gate verdict; pipeline run writes its report and refuses a regression until --force --reason', async () => {
    const { recsys, tenant, dir } = get()
    const gate = `${tenant}-gate`
    expect((await recsys(['tenant', 'create', gate, '--json'])).code).toBe(0)
    // Same generator, dataset name and split; the larger, sparser catalog scores far lower NDCG@10.
    const strong = ['--tenant', gate, '--items', '100', '--users', '60', '--seed', '1']
    const weak = ['--tenant', gate, '--items', '1500', '--users', '30', '--seed', '2']
    const out = path.join(dir, 'eval-out')
    const ev = await recsys(['eval', ...strong, '--out', out])
    expect(ev.code, ev.stderr).toBe(0)
    expect(ev.stdout).toMatch(
      /^MODEL\s+RECALL@10\s+RECALL@20\s+NDCG@10\s+PRECISION@10\s+MAP@10\s+COVERAGE@10$/m,
    )
    expect(ev.stdout).toMatch(/^popularity\s+\d\.\d{4} 1\.00×/m)
    expect(ev.stdout).toMatch(/^ranker \*\s+\d\.\d{4} \d+\.\d\d×/m)
    expect(ev.stdout).toContain('live release: none')
    expect(ev.stdout).toContain('champion gate (if published now): no live release')
    const html = await readFile(path.join(out, 'report.html'), 'utf8')
    expect(html).toContain('<svg')
    expect(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'))).toMatchObject({
      kind: 'recsys.evaluation',
      tenant: gate,
      champion: { verdict: 'first_release' },
    })
    // --split random: the other protocol, EASE among the models (a baseline of every run).
    const random = await recsys(['eval', ...strong, '--split', 'random', '--json'])
    expect(random.code, random.stderr).toBe(0)
    expect(random.json.evaluation).toMatchObject({
      split: { protocol: 'random', description: 'random-75/25-seed-42' },
      baselines: ['popularity', 'ease'],
    })
    expect(Object.keys(random.json.evaluation.models)).toEqual(
      expect.arrayContaining(['ease', 'knn', 'als']),
    )

    // The default report folder is under the working directory.
    const first = await recsys(['pipeline', 'run', ...strong, '--publish', '--json'], {}, dir)
    expect(first.code, first.stderr).toBe(0)
    const under = path.join(dir, '.data', 'reports', gate)
    expect(path.relative(under, first.json.report_files.html)).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\/report\.html$/,
    )
    expect(await readFile(first.json.report_files.json, 'utf8')).toContain('"served_model"')

    const refused = await recsys(['pipeline', 'run', ...weak, '--publish', '--report-dir', out])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /error: BAD_REQUEST: CHAMPION_REGRESSION: refused: challenger ranker NDCG@10 0\.\d{4} vs live release/,
    )
    expect(refused.stderr).toMatch(
      /\[champion_regression\] NDCG@10 more than 2\.0 % below the live release: challenger ranker 0\.\d{4}; live /,
    )
    const forced = await recsys([
      'pipeline',
      'run',
      ...weak,
      '--publish',
      '--force',
      '--reason',
      'accepted drop',
      '--report-dir',
      out,
    ])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(
      /^champion gate: forced past the gate: challenger ranker NDCG@10/m,
    )
    expect(forced.stdout).toContain(`report: ${path.join(out, 'report.json')}`)
    const audit = await recsys([
      'audit',
      '--tenant',
      gate,
      '--action',
      'release.champion_override',
      '--json',
    ])
    expect(audit.json.entries).toHaveLength(1)
    // Three evaluations and three runs, each scoring six models (EASE's inversion on a worker thread included).
  }, 120_000)
}
