import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../audit/write'
import { createDb, migrate, type DbHandle } from '../db/client'
import { auditLog, catalogItems, surfaces, tenants, tombstones } from '../db/schema/index'
import { buildMlp } from '@recsys/trainer/model/mlp'
import { exportMlpToOnnx } from '@recsys/trainer/model/onnx-export'
import { checkModel } from '@recsys/trainer/model/probe'
import { publishRelease } from '../publish/publish'
import { assembleRelease, type AssembleDeps } from '../release/assemble'
import { LocalBlobStore, sha256Hex } from './blob-store'
import { listVersions, registerArtifact } from './register'

const op: Actor = { id: 'op-reg', role: 'operator' }
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const slate = (ids: string[]) => ({ items: ids.map((item_id) => ({ item_id })) })
const ndjson = (lines: unknown[]) => enc(lines.map((l) => JSON.stringify(l)).join('\n') + '\n')

describe('artifact registry and gates (PGlite in memory, blobs in a temp dir)', () => {
  let h: DbHandle
  let dir: string
  let deps: AssembleDeps
  let n = 0

  /** A tenant with home_feed (personalized) and related_items (anchored) and items i1..i<count>. */
  async function tenant(count = 10): Promise<string> {
    const id = `reg-${++n}`
    await h.db.insert(tenants).values({ id, name: id })
    await h.db.insert(surfaces).values([
      { tenant_id: id, id: 'home_feed', kind: 'personalized' },
      { tenant_id: id, id: 'related_items', kind: 'item_anchored' },
    ])
    await h.db.insert(catalogItems).values(
      Array.from({ length: count }, (_, i) => ({
        tenant_id: id,
        item_id: `i${i + 1}`,
        categories: [`c${i % 3}`],
      })),
    )
    return id
  }
  const register = (t: string, kind: never, name: string, body: unknown, metadata?: never) =>
    registerArtifact(deps, {
      tenant: t,
      kind,
      name,
      bytes: body instanceof Uint8Array ? body : enc(body),
      metadata,
      actor: op,
    })
  /** The minimum a release needs: rules for both surfaces' bundle and a fallback list for each. */
  async function basics(t: string) {
    await register(t, 'rules' as never, 'rules', { default: { version: 'r1' } })
    await register(t, 'fallback' as never, 'fallback', {
      lists: [
        { surface: 'home_feed', slate: slate(['i1', 'i2', 'i3']) },
        { surface: 'related_items', slate: slate(['i4', 'i5']) },
      ],
    })
  }
  const gateChecks = async (t: string) => {
    const r = await assembleRelease(deps, { tenant: t, actor: op })
    if (r.ok) return []
    expect(r.error.code).toBe('GATE_FAILED')
    return r.error.code === 'GATE_FAILED' ? r.error.failures : []
  }

  beforeAll(async () => {
    h = await createDb({ url: 'memory://' })
    await migrate(h)
    dir = await mkdtemp(path.join(tmpdir(), 'recsys-blobs-'))
    deps = { db: h.db, blobs: new LocalBlobStore(dir) }
  })
  afterAll(async () => {
    await h.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('same bytes give the same version; other bytes a new one; each new version is audited once', async () => {
    const t = await tenant()
    const a = await register(t, 'denylist' as never, 'deny', { items: ['i1'] })
    const b = await register(t, 'denylist' as never, 'deny', { items: ['i1'] })
    const c = await register(t, 'denylist' as never, 'deny', { items: ['i2'] })
    expect(a.ok && b.ok && c.ok).toBe(true)
    if (!a.ok || !b.ok || !c.ok) return
    expect(a.value.created).toBe(true)
    expect(b.value.created).toBe(false)
    expect(b.value.version.id).toBe(a.value.version.id)
    expect(a.value.version.sha256).toBe(sha256Hex(enc({ items: ['i1'] })))
    expect(c.value.version.id).not.toBe(a.value.version.id)
    expect(await deps.blobs.get(a.value.version.storage_key)).toEqual(enc({ items: ['i1'] }))
    const audits = await h.db.select().from(auditLog).where(eq(auditLog.tenant_id, t))
    expect(audits.filter((r) => r.action === 'artifact.register')).toHaveLength(2)
    expect(await listVersions(h.db, { tenant: t, kind: 'denylist' })).toHaveLength(2)
  })

  it('the schema gate refuses a malformed file at registration, naming the check and the paths', async () => {
    const t = await tenant()
    const r = await register(t, 'fallback' as never, 'fb', { lists: [{ surface: 'home_feed' }] })
    expect(r.ok).toBe(false)
    if (r.ok || r.error.code !== 'BAD_REQUEST') return
    expect(r.error.gate?.check).toBe('schema')
    expect(r.error.gate?.artifact).toMatch(/^fallback\/fb@[0-9a-f]{12}$/)
    expect(r.error.gate?.offending.join(' ')).toContain('lists.0.slate')
    const bad = await register(t, 'slates' as never, 's', enc('{"type":"user"}\nnot json\n'))
    expect(bad.ok).toBe(false)
    if (bad.ok || bad.error.code !== 'BAD_REQUEST') return
    expect(bad.error.gate?.offending.some((o) => o.startsWith('line 2: not JSON'))).toBe(true)
    expect(bad.error.gate?.offending.some((o) => o.startsWith('line 1: '))).toBe(true)
    expect(await listVersions(h.db, { tenant: t })).toHaveLength(0)
  })

  it('a model is versioned by its bytes and its declared schema together', async () => {
    const t = await tenant()
    const meta = (f: string) =>
      ({
        feature_schema: {
          features: [f],
          inputs: [{ name: 'features', dims: [-1, 1] }],
          outputs: [{ name: 'score', dims: [-1, 1] }],
        },
      }) as never
    const bytes = new Uint8Array([8, 1, 2, 3])
    const a = await register(t, 'model' as never, 'm', bytes, meta('x'))
    const b = await register(t, 'model' as never, 'm', bytes, meta('y'))
    expect(a.ok && b.ok).toBe(true)
    if (a.ok && b.ok) expect(b.value.version.sha256).not.toBe(a.value.version.sha256)
  })

  it('assembles a release: catalog snapshot, newest versions, tombstones folded into the denylist', async () => {
    const t = await tenant()
    await basics(t)
    await register(t, 'denylist' as never, 'deny', { items: ['i9'] })
    await register(
      t,
      'slates' as never,
      'home',
      [
        ndjson([{ type: 'user', surface: 'home_feed', user_id: 'u1', slate: slate(['i1', 'i2']) }]),
      ][0],
    )
    await register(
      t,
      'slates' as never,
      'home',
      [ndjson([{ type: 'user', surface: 'home_feed', user_id: 'u1', slate: slate(['i3']) }])][0],
    )
    // i3 is in the slates registered above: tombstoned later, it is folded into the denylist, not a failure.
    await h.db.insert(tombstones).values([
      { tenant_id: t, item_id: 'i7', reason: 'x', created_by: 'op' },
      { tenant_id: t, item_id: 'i3', reason: 'x', created_by: 'op' },
    ])
    const r = await assembleRelease(deps, {
      tenant: t,
      actor: op,
      now: new Date('2026-01-02T03:04:05Z'),
    })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const { spec } = r.value
    expect(spec.release).toMatch(/^r-20260102-030405-[0-9a-f]{10}$/)
    expect(spec.denylist).toEqual(['i3', 'i7', 'i9'])
    expect(r.value.folded).toEqual(['i3', 'i7'])
    expect(Object.keys(spec.catalog)).toHaveLength(10)
    expect(spec.user_slates?.map((s) => s.slate.items.map((i) => i.item_id))).toEqual([['i3']])
    expect(spec.config.surfaces.map((s) => s.id)).toEqual(['home_feed', 'related_items'])
    expect(r.value.versions.map((v) => v.kind).sort()).toEqual(
      ['catalog', 'denylist', 'fallback', 'rules', 'slates'].sort(),
    )
  })

  it('a consumed artifact is schema-checked, goes to the scorer, and takes the history out of user slates', async () => {
    const t = await tenant()
    await basics(t)
    const over = await register(t, 'consumed' as never, 'history', {
      max_per_user: 1,
      users: { u1: ['i1', 'i2'] },
    })
    expect(over.ok).toBe(false)
    if (!over.ok && over.error.code === 'BAD_REQUEST')
      expect(over.error.gate).toMatchObject({
        check: 'schema',
        offending: [expect.stringMatching(/^users\.u1: /)],
      })
    // A history may name an item the catalog no longer has: it only ever removes candidates.
    const history = { max_per_user: 3, users: { u1: ['i2', 'gone'], u2: ['i9'] } }
    expect((await register(t, 'consumed' as never, 'history', history)).ok).toBe(true)
    const user = (user_id: string, ids: string[]) => ({
      type: 'user',
      surface: 'home_feed',
      user_id,
      slate: slate(ids),
    })
    await register(
      t,
      'slates' as never,
      'home',
      ndjson([user('u1', ['i1', 'i2', 'i3']), user('u2', ['i4']), user('u3', ['i2'])]),
    )
    const items = async () => {
      const r = await assembleRelease(deps, { tenant: t, actor: op })
      expect(r.ok).toBe(true)
      if (!r.ok) return undefined
      expect(r.value.scorer.filter((f) => f.kind === 'consumed').map((f) => f.name)).toEqual([
        'history',
      ])
      return Object.fromEntries(
        r.value.spec.user_slates!.map((l) => [l.user_id, l.slate.items.map((e) => e.item_id)]),
      )
    }
    // `exclude_consumed` is on by default: u1 loses i2, the others keep theirs (u3 never consumed i2).
    expect(await items()).toEqual({ u1: ['i1', 'i3'], u2: ['i4'], u3: ['i2'] })
    // A repeat-purchase tenant turns it off: slates are published as registered.
    await register(t, 'rules' as never, 'rules', {
      default: { version: 'r2', eligibility: { exclude_consumed: false } },
    })
    expect(await items()).toEqual({ u1: ['i1', 'i2', 'i3'], u2: ['i4'], u3: ['i2'] })
  })

  it('content gates name the artifact, the check and the offending values', async () => {
    const t = await tenant()
    // Tombstoned before the fallback list holding it is registered: its producer should have left it out.
    await h.db
      .insert(tombstones)
      .values({ tenant_id: t, item_id: 'i2', reason: 'x', created_by: 'op' })
    await basics(t)
    await register(
      t,
      'slates' as never,
      'bad',
      ndjson([
        { type: 'user', surface: 'home_feed', user_id: 'u1', slate: slate(['i1', 'i1', 'nope']) },
        { type: 'user', surface: 'home_feed', user_id: 'u2', slate: slate([]) },
        { type: 'anchored', surface: 'home_feed', item_id: 'i3', slate: slate(['i4']) },
        { type: 'user', surface: 'ghost', user_id: 'u3', slate: slate(['i4']) },
      ]),
    )
    const failures = await gateChecks(t)
    const by = Object.fromEntries(failures.map((f) => [f.check, f]))
    expect(by.duplicates?.offending).toEqual(['home_feed user u1: i1'])
    expect(by.unknown_items?.offending).toEqual(['home_feed user u1: nope'])
    expect(by.slate_size?.offending).toEqual(['home_feed user u2: 0'])
    expect(by.surface_kind?.offending).toEqual(['home_feed item i3'])
    expect(by.unknown_surface?.offending).toEqual(['ghost user u3'])
    // The fallback list of home_feed holds i2, tombstoned above.
    expect(by.tombstoned_items?.artifact).toMatch(/^fallback\/fallback@/)
    expect(by.tombstoned_items?.offending).toEqual(['home_feed: i2'])
    expect(
      failures.every((f) => f.artifact.startsWith('slates/bad@') || f.check === 'tombstoned_items'),
    ).toBe(true)
  })

  it('a release needs rules for every surface and a non-empty fallback list for each', async () => {
    const t = await tenant()
    await register(t, 'rules' as never, 'rules', { other: { version: 'r1' } })
    await register(t, 'fallback' as never, 'fallback', {
      lists: [{ surface: 'home_feed', slate: slate([]) }],
    })
    const by = Object.fromEntries((await gateChecks(t)).map((f) => [f.check, f]))
    expect(by.missing_rules?.offending).toEqual(['home_feed: default', 'related_items: default'])
    expect(by.missing_fallback?.offending).toEqual(['related_items'])
    expect(by.fallback_empty?.offending).toEqual(['home_feed'])
  })

  it('models go through the model check; two models are ambiguous until one is picked', async () => {
    const t = await tenant()
    await basics(t)
    const meta = {
      feature_schema: {
        features: ['a'],
        inputs: [{ name: 'features', dims: [-1, 1] }],
        outputs: [{ name: 'score', dims: [-1, 1] }],
      },
    } as never
    const m1 = await register(t, 'model' as never, 'm1', new Uint8Array([1]), meta)
    await register(t, 'model' as never, 'm2', new Uint8Array([2]), meta)
    const seen: number[] = []
    const check = async (bytes: Uint8Array) => {
      seen.push(bytes[0]!)
      return bytes[0] === 1
        ? { ok: true as const }
        : { ok: false as const, check: 'probe_nan', message: 'NaN scores', offending: ['row 0'] }
    }
    const r = await assembleRelease({ ...deps, modelCheck: check }, { tenant: t, actor: op })
    expect(r.ok).toBe(false)
    if (r.ok || r.error.code !== 'GATE_FAILED') return
    const checks = r.error.failures.map((f) => f.check).sort()
    expect(checks).toEqual(['ambiguous', 'probe_nan'])
    expect(seen.sort()).toEqual([1, 2])
    // Without a model check, a model cannot pass.
    const none = await assembleRelease(deps, { tenant: t, actor: op })
    expect(
      !none.ok &&
        none.error.code === 'GATE_FAILED' &&
        none.error.failures.some((f) => f.check === 'model_check'),
    ).toBe(true)
    expect(m1.ok).toBe(true)
  })

  it('a real ONNX model passes the gate in onnxruntime-node; a NaN weight or a wrong schema fails it', async () => {
    const t = await tenant()
    await basics(t)
    const meta = (input = 'features') =>
      ({
        feature_schema: {
          features: ['a', 'b', 'c', 'd'],
          inputs: [{ name: input, dims: [-1, 4] }],
          outputs: [{ name: 'score', dims: [-1, 1] }],
        },
      }) as never
    const mlp = buildMlp({ inputDim: 4, hidden: [8], seed: 3 })
    const real = { ...deps, modelCheck: checkModel }
    expect((await register(t, 'model' as never, 'ranker', exportMlpToOnnx(mlp), meta())).ok).toBe(
      true,
    )
    const good = await assembleRelease(real, { tenant: t, actor: op })
    expect(good.ok).toBe(true)
    if (good.ok) expect(good.value.spec.model_version).toMatch(/^ranker@[0-9a-f]{12}$/)

    mlp.layers[0]!.weights[0] = Number.NaN
    expect((await register(t, 'model' as never, 'ranker', exportMlpToOnnx(mlp), meta())).ok).toBe(
      true,
    )
    const nan = await assembleRelease(real, { tenant: t, actor: op })
    expect(
      !nan.ok && nan.error.code === 'GATE_FAILED' && nan.error.failures.map((f) => f.check),
    ).toEqual(['probe_nan'])
    mlp.layers[0]!.weights[0] = 0.5
    expect(
      (await register(t, 'model' as never, 'ranker', exportMlpToOnnx(mlp), meta('x'))).ok,
    ).toBe(true)
    const named = await assembleRelease(real, { tenant: t, actor: op })
    expect(
      !named.ok && named.error.code === 'GATE_FAILED' && named.error.failures[0],
    ).toMatchObject({
      artifact: expect.stringMatching(/^model\/ranker@/),
      check: 'inputs',
    })
  })

  it('a retry after a crashed publish reuses the recorded release; other content gets another id', async () => {
    const t = await tenant()
    await basics(t)
    const first = await assembleRelease(deps, {
      tenant: t,
      actor: op,
      now: new Date('2026-03-01T00:00:00Z'),
    })
    expect(first.ok).toBe(true)
    if (!first.ok) return
    // Crash right after the release is recorded: nothing reaches the edge store.
    const noEdge = {
      putJson: async () => {
        throw new Error('the edge store must not be written before the crash point')
      },
      getJson: async () => null,
    }
    const crashed = publishRelease(
      {
        db: h.db,
        edge: noEdge,
        faults: (step) => {
          if (step === 'recorded') throw new Error('crash')
        },
      },
      { spec: first.value.spec, actor: op, reason: 'crash' },
    )
    await expect(crashed).rejects.toThrow('crash')
    const retry = await assembleRelease(deps, {
      tenant: t,
      actor: op,
      now: new Date('2026-03-02T00:00:00Z'),
    })
    expect(retry.ok && retry.value.spec.release).toBe(first.value.spec.release)
    expect(retry.ok && retry.value.spec.created_at).toBe('2026-03-01T00:00:00.000Z')
    await register(t, 'denylist' as never, 'deny', { items: ['i1'] })
    const other = await assembleRelease(deps, { tenant: t, actor: op })
    expect(other.ok && other.value.spec.release).not.toBe(first.value.spec.release)
  })

  it('a release id the operator named keeps its recorded creation time on a retry, so the publish completes', async () => {
    const t = await tenant()
    await basics(t)
    const release = `${t}-named`
    const at = (iso: string) =>
      assembleRelease(deps, { tenant: t, actor: op, release, now: new Date(iso) })
    const first = await at('2026-03-01T00:00:00Z')
    expect(first.ok).toBe(true)
    if (!first.ok) return
    const crashed = publishRelease(
      {
        db: h.db,
        edge: { putJson: async () => undefined, getJson: async () => null },
        faults: (step) => {
          if (step === 'recorded') throw new Error('crash')
        },
      },
      { spec: first.value.spec, actor: op, reason: 'crash' },
    )
    await expect(crashed).rejects.toThrow('crash')
    // A day later, the same named publish: same manifest, so it is not refused as other content under that id.
    const retry = await at('2026-03-02T00:00:00Z')
    expect(retry.ok && retry.value.spec.created_at).toBe('2026-03-01T00:00:00.000Z')
    if (!retry.ok) return
    const done = await publishRelease(
      { db: h.db, edge: { putJson: async () => undefined, getJson: async () => null } },
      { spec: retry.value.spec, actor: op, reason: 'retry' },
    )
    expect(done.ok ? 'ok' : done.error.code).toBe('ok')
  })
})
