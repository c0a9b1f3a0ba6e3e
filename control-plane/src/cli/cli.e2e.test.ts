import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdgeStack } from '../../test/edge-stack'
import { startControlPlane, type ControlPlane } from '../server'
import { pipelineCliCases, type Ran } from './cli-pipeline.cases'

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
      // The pipeline cases write their MovieLens folder and event log under `dir`.
      datasetRoots: [dir],
    })
    admin = cp.adminToken!
  }, 120_000)
  afterAll(async () => {
    await cp?.close()
    await stack?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  pipelineCliCases(() => ({ recsys, run, tenant, dir }))

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
