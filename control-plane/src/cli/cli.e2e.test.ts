import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdgeStack } from '../../test/edge-stack'
import { startControlPlane, type ControlPlane } from '../server'

/**
 * The `recsys` CLI as operators run it: `node control-plane/bin/recsys.js … --json` in a child process, against a
 * real control plane (in-memory PGlite) that publishes to a real edge Worker with real Redis behind the gateway.
 */
const root = path.resolve(import.meta.dirname, '../../..')
const bin = path.join(root, 'control-plane/bin/recsys.js')
const run = Math.random().toString(36).slice(2, 8)
const tenant = `cli-${run}`
const slate = (ids: string[]) => ({
  items: ids.map((item_id, k) => ({ item_id, score: 1 - k / 100 })),
})

interface Ran {
  code: number
  stdout: string
  stderr: string
  json: any
}

describe('recsys CLI against a real control plane', () => {
  let stack: Awaited<ReturnType<typeof startEdgeStack>>
  let cp: ControlPlane
  let dir: string
  let admin: string

  /** Runs the CLI; `env` values of undefined remove that variable. */
  const recsys = (
    args: string[],
    env: Record<string, string | undefined> = {},
    cwd = root,
  ): Promise<Ran> => {
    const full: Record<string, string | undefined> = {
      ...process.env,
      RECSYS_API_URL: cp.url,
      RECSYS_TOKEN: admin,
      RECSYS_TENANT: undefined,
      ...env,
    }
    for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k]
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd, env: full }, (err, stdout, stderr) => {
        let json: any
        try {
          json = JSON.parse(stdout)
        } catch {
          json = undefined
        }
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr, json })
      })
    })
  }
  const file = async (name: string, content: unknown) => {
    const p = path.join(dir, name)
    await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content))
    return p
  }

  beforeAll(async () => {
    stack = await startEdgeStack()
    dir = await mkdtemp(path.join(tmpdir(), 'recsys-cli-'))
    cp = await startControlPlane({
      port: 0,
      dataDir: path.join(dir, '.data'),
      databaseUrl: 'memory://',
      redis: stack.redis,
      edge: stack.edgeAdmin,
      reconcileMs: 0,
    })
    admin = cp.adminToken!
  }, 120_000)
  afterAll(async () => {
    await cp?.close()
    await stack?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('creates a tenant and imports a catalog (JSON and NDJSON); tables have headers; other formats are refused', async () => {
    const t = await recsys([
      'tenant',
      'create',
      tenant,
      '--consent-default',
      'personalized',
      '--json',
    ])
    expect(t.code, t.stderr).toBe(0)
    expect(t.json).toMatchObject({ tenant, api_key: expect.stringMatching(/\S{16,}/) })
    expect(t.json.key_id).toBeTruthy()

    const items = Array.from({ length: 30 }, (_, i) => ({
      item_id: `it${i}`,
      categories: [`c${i % 3}`],
    }))
    const imp = await recsys([
      'catalog',
      'import',
      '--tenant',
      tenant,
      await file('items.json', { items }),
      '--json',
    ])
    expect(imp.json).toEqual({ tenant, upserted: 30, total: 30 })
    const nd = [{ item_id: 'it30' }, { item_id: 'it31' }].map((x) => JSON.stringify(x)).join('\n')
    const imp2 = await recsys([
      'catalog',
      'import',
      '--tenant',
      tenant,
      await file('more.ndjson', nd),
      '--json',
    ])
    expect(imp2.json).toEqual({ tenant, upserted: 2, total: 32 })
    const csv = await recsys([
      'catalog',
      'import',
      '--tenant',
      tenant,
      await file('items.csv', 'a,b'),
      '--json',
    ])
    expect(csv.code).toBe(2)
    expect(csv.json.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('.ndjson'),
    })

    const list = await recsys(['tenant', 'list'])
    expect(list.code).toBe(0)
    const [header, ...rows] = list.stdout.trim().split('\n')
    expect(header).toMatch(/^TENANT\s+NAME\s+CONSENT DEFAULT\s+LIVE RELEASE\s+CREATED$/)
    expect(rows.some((r) => r.startsWith(tenant) && r.includes('personalized'))).toBe(true)
  })

  it('registers artifacts (same bytes → same version, created false) and publishes with progress on stderr', async () => {
    const reg = (kind: string, name: string, p: string, ...more: string[]) =>
      recsys([
        'artifact',
        'register',
        '--tenant',
        tenant,
        '--kind',
        kind,
        '--name',
        name,
        p,
        ...more,
        '--json',
      ])
    const rules = await file('rules.json', { default: { version: 'r1' } })
    const first = await reg('rules', 'rules', rules, '--reason', 'cli test')
    const again = await reg('rules', 'rules', rules)
    expect(first.code, first.stderr).toBe(0)
    expect(first.json.created).toBe(true)
    expect(again.json.created).toBe(false)
    expect(again.json.version.sha256).toBe(first.json.version.sha256)
    const meta = await reg(
      'rules',
      'rules',
      rules,
      '--metadata',
      await file('meta.json', { note: 'é ✓' }),
    )
    expect(meta.json).toMatchObject({ created: true, version: { metadata: { note: 'é ✓' } } })
    const home = { surface: 'home_feed', slate: slate(['it20', 'it21', 'it22']) }
    expect((await reg('fallback', 'fallback', await file('f1.json', { lists: [home] }))).code).toBe(
      0,
    )
    // A gate failure arrives in the progress stream: still the envelope (BAD_REQUEST), with the failures.
    const refused = await recsys([
      'release',
      'publish',
      '--tenant',
      tenant,
      '--reason',
      'x',
      '--dry-run',
      '--json',
    ])
    expect(refused.code).toBe(1)
    expect(refused.json.error).toMatchObject({
      code: 'BAD_REQUEST',
      details: [
        expect.objectContaining({ check: 'missing_fallback', offending: ['related_items'] }),
      ],
    })
    const related = { surface: 'related_items', slate: slate(['it24', 'it25']) }
    const f2 = await reg('fallback', 'fallback', await file('f2.json', { lists: [home, related] }))
    expect(f2.json.created).toBe(true)
    const line = {
      type: 'user',
      surface: 'home_feed',
      user_id: 'u1',
      slate: slate(['it1', 'it2', 'it3']),
    }
    expect(
      (await reg('slates', 'home', await file('slates.ndjson', JSON.stringify(line)))).code,
    ).toBe(0)

    const pub = await recsys([
      'release',
      'publish',
      '--tenant',
      tenant,
      '--reason',
      'first',
      '--release',
      `${tenant}-r1`,
      '--json',
    ])
    expect(pub.code, pub.stdout + pub.stderr).toBe(0)
    expect(pub.json).toMatchObject({ tenant, release: `${tenant}-r1`, dry_run: false })
    expect(pub.stderr).toMatch(/^ {2}\[\s*\d+\.\d+s\] \S/m)
    const shown = await recsys(['release', 'show', '--tenant', tenant, `${tenant}-r1`, '--json'])
    expect(shown.json.artifacts.map((a: any) => a.kind)).toContain('slates')
    const human = await recsys(['release', 'list', '--tenant', tenant])
    expect(human.stdout).toContain(`live: ${tenant}-r1`)
    expect(human.stdout).toMatch(/RELEASE\s+LIVE\s+CREATED/)
  })

  it('imports MovieLens as a catalog and as log events, then runs the pipeline on the log (deletions honoured)', async () => {
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
    const gate = `${tenant}-gate`
    expect((await recsys(['tenant', 'create', gate, '--json'])).code).toBe(0)
    // Same generator, dataset name and split; the larger, sparser catalog scores far lower NDCG@10.
    const strong = ['--tenant', gate, '--items', '100', '--users', '60', '--seed', '1']
    const weak = ['--tenant', gate, '--items', '1500', '--users', '30', '--seed', '2']
    const out = path.join(dir, 'eval-out')
    const ev = await recsys(['eval', ...strong, '--out', out])
    expect(ev.code, ev.stderr).toBe(0)
    expect(ev.stdout).toMatch(/^MODEL\s+RECALL@10\s+RECALL@20\s+NDCG@10\s+MAP@10\s+COVERAGE@10$/m)
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
  })

  it('engages, lists and releases a kill switch', async () => {
    const name = `tenant:${tenant}:edge.force_tier`
    const e = await recsys([
      'kill-switch',
      'engage',
      name,
      '--value',
      'global_popular',
      '--reason',
      'drill',
      '--json',
    ])
    expect(e.code, e.stderr).toBe(0)
    expect(e.json).toMatchObject({
      redis: 'pushed',
      state: { name, engaged: true, value: 'global_popular' },
    })
    const listed = await recsys(['kill-switch', 'list', '--json'])
    expect(listed.json.switches).toContainEqual(expect.objectContaining({ name, engaged: true }))
    const r = await recsys(['kill-switch', 'release', name, '--reason', 'drill over', '--json'])
    expect(r.json).toMatchObject({ redis: 'pushed', state: { name, engaged: false } })
    const after = await recsys(['kill-switch', 'list', '--json'])
    expect(after.json.switches).toContainEqual(expect.objectContaining({ name, engaged: false }))
  })

  it('a viewer gets the FORBIDDEN envelope and exit 1; no token is explained; the token file is found', async () => {
    const op = await recsys(['operator', 'create', `viewer-${run}`, '--role', 'viewer', '--json'])
    expect(op.code, op.stderr).toBe(0)
    const refused = await recsys(['tenant', 'create', `nope-${run}`, '--json'], {
      RECSYS_TOKEN: op.json.token,
    })
    expect(refused.code).toBe(1)
    expect(refused.json.error).toMatchObject({ code: 'FORBIDDEN', request_id: expect.any(String) })
    expect(refused.stderr).toBe('')

    const empty = await mkdtemp(path.join(tmpdir(), 'recsys-cli-cwd-'))
    const none = await recsys(['whoami'], { RECSYS_TOKEN: undefined }, empty)
    expect(none.code).toBe(1)
    expect(none.stdout).toBe('')
    expect(none.stderr).toMatch(/no operator token: pass --token <token> or set RECSYS_TOKEN/)
    expect(none.stderr).toContain('.data/operator-token')
    await rm(empty, { recursive: true })
    // The control plane wrote <dir>/.data/operator-token: run from <dir> with no token set.
    const me = await recsys(['whoami', '--json'], { RECSYS_TOKEN: undefined }, dir)
    expect(me.json).toEqual({ id: 'admin', role: 'admin' })
  })

  it('runs from the launcher: --help exits 0; a missing required option exits 2 without a stack trace', async () => {
    const [help, missing] = await Promise.all([
      recsys(['--help']),
      recsys(['release', 'publish', '--tenant', tenant]),
    ])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^\s+kill-switch\s/m)
    expect(missing.code).toBe(2)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toContain("required option '--reason <text>' not specified")
    expect(missing.stderr).not.toMatch(/\bat .+\.ts:\d+/)
  })
})
