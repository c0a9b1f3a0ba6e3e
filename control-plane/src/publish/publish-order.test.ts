import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kvKeys, type ReleaseSpec } from '@recsys/shared'
import { createDb, migrate, type DbHandle } from '../db/client'
import { releasePointerHistory, releasePointers, releases, tenants } from '../db/schema/index'
import type { EdgeStoreWriter } from './edge-store'
import { publishRelease, rollbackRelease } from './publish'
import type { ScorerStoreWriter } from './scorer-store'

/**
 * The order and atomicity of pointer pushes, on PGlite, with in-memory stand-ins for the edge store and the scorer
 * store (they record what they were told and can be slowed down or made to fail; the real stores are covered by
 * publish.e2e.test.ts). What is checked: the stores end up where the control plane's pointer says.
 */
const actor = { id: 'alice', role: 'operator' as const }

/** Release ids are unique across tenants: each test's are prefixed with its tenant (`raw` keeps the id as given). */
function spec(tenant: string, release: string, raw = false): ReleaseSpec {
  return {
    tenant,
    release: raw ? release : `${tenant}-${release}`,
    created_at: '2026-11-21T00:00:00.000Z',
    model_version: `m-${release}`,
    rules_version: 'r',
    config: { tenant, surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
    catalog: { i1: { categories: ['c'] } },
    denylist: [],
    rules: { default: { version: 'r', eligibility: { exclude_seen: true }, rerank: {} } },
    popular: [{ surface: 'home_feed', slate: { items: [{ item_id: 'i1' }] } }],
  }
}

/**
 * An edge store in memory. `holdPointer(r)`: the pointer write naming release r waits until `release()` is called,
 * and `pushing` resolves once it has started; `failPointer()` makes the next pointer write throw.
 */
function memoryEdge() {
  const docs = new Map<string, unknown>()
  const held = new Map<string, { started: () => void; gate: Promise<void> }>()
  let failNext = false
  const edge: EdgeStoreWriter = {
    async putJson(entries) {
      for (const e of entries) {
        const release = (e.value as { release?: string }).release
        if (e.key.endsWith(':pointer')) {
          if (failNext) {
            failNext = false
            throw new Error('edge store unavailable')
          }
          const h = release ? held.get(release) : undefined
          if (h) {
            h.started()
            await h.gate
          }
        }
        docs.set(e.key, e.value)
      }
    },
    async getJson(key) {
      return docs.get(key) ?? null
    },
  }
  return {
    edge,
    docs,
    holdPointer(release: string) {
      let started!: () => void
      let open!: () => void
      const pushing = new Promise<void>((r) => (started = r))
      held.set(release, { started, gate: new Promise<void>((r) => (open = r)) })
      return { pushing, release: () => open() }
    },
    failPointer: () => (failNext = true),
  }
}

function memoryScorer(): ScorerStoreWriter & { live: Map<string, string>; manifests: Set<string> } {
  const live = new Map<string, string>()
  const manifests = new Set<string>()
  return {
    live,
    manifests,
    putFiles: async () => undefined,
    putManifest: async (m) => void manifests.add(`${m.tenant}/${m.release}`),
    hasManifest: async (t, r) => manifests.has(`${t}/${r}`),
    flip: async (t, r) => void live.set(t, r),
  }
}

describe('publish and rollback: pointer order and atomicity', () => {
  let h: DbHandle
  let n = 0
  const newTenant = async () => {
    const id = `order-${++n}`
    await h.db.insert(tenants).values({ id, name: id })
    return id
  }
  const pointer = async (tenant: string) =>
    (await h.db.select().from(releasePointers).where(eq(releasePointers.tenant_id, tenant)))[0]
      ?.release_id
  beforeAll(async () => {
    h = await createDb({ url: 'memory://' })
    await migrate(h)
  })
  afterAll(() => h?.close())

  it('two publishes at once: the stores end on the release the pointer names, never on the slower push', async () => {
    const tenant = await newTenant()
    const m = memoryEdge()
    const scorer = memoryScorer()
    const deps = { db: h.db, edge: m.edge, scorer }
    // ra flips first and its push is held; rb is published meanwhile. Without one flip-and-push at a time, rb would
    // flip and push while ra's push waits, and ra's would land last.
    const ra = m.holdPointer(`${tenant}-ra`)
    const a = publishRelease(deps, { spec: spec(tenant, 'ra'), actor, reason: 'a' })
    await ra.pushing
    const b = publishRelease(deps, { spec: spec(tenant, 'rb'), actor, reason: 'b' })
    // One at a time, rb cannot finish while ra's push is held; a broken version would finish it (flip and push rb)
    // now. Wait for that, or for a moment: the moment can only be too short to catch that bug on a loaded machine,
    // never make a correct version fail.
    await Promise.race([b, new Promise((r) => setTimeout(r, 200))])
    ra.release()
    expect((await a).ok && (await b).ok).toBe(true)
    const live = await pointer(tenant)
    expect(live).toBe(`${tenant}-rb`)
    expect((m.docs.get(kvKeys.pointer(tenant)) as { release: string }).release).toBe(live)
    expect(scorer.live.get(tenant)).toBe(live)
  })

  it('a failed pointer push leaves the pointer where it was (no history row), and the retry completes', async () => {
    const tenant = await newTenant()
    const m = memoryEdge()
    const scorer = memoryScorer()
    const deps = { db: h.db, edge: m.edge, scorer }
    expect((await publishRelease(deps, { spec: spec(tenant, 'r1'), actor, reason: 'x' })).ok).toBe(
      true,
    )
    m.failPointer()
    await expect(
      publishRelease(deps, { spec: spec(tenant, 'r2'), actor, reason: 'x' }),
    ).rejects.toThrow('edge store unavailable')
    expect(await pointer(tenant)).toBe(`${tenant}-r1`)
    const rows = await h.db
      .select()
      .from(releasePointerHistory)
      .where(eq(releasePointerHistory.tenant_id, tenant))
    expect(rows.map((r) => r.to_release)).toEqual([`${tenant}-r1`])
    const retry = await publishRelease(deps, { spec: spec(tenant, 'r2'), actor, reason: 'x' })
    expect(retry.ok && retry.value.previous).toBe(`${tenant}-r1`)
    expect(await pointer(tenant)).toBe(`${tenant}-r2`)
    expect(scorer.live.get(tenant)).toBe(`${tenant}-r2`)
  })

  it('refuses a release id that is not an Id (a path, a space) before recording anything', async () => {
    const tenant = await newTenant()
    const m = memoryEdge()
    for (const bad of ['../other/releases/r1', 'a b', '']) {
      const r = await publishRelease(
        { db: h.db, edge: m.edge },
        { spec: spec(tenant, bad, true), actor, reason: 'x' },
      )
      expect(r.ok ? 'ok' : r.error.code).toBe('invalid_release')
    }
    expect(await h.db.select().from(releases).where(eq(releases.tenant_id, tenant))).toEqual([])
    expect(m.docs.size).toBe(0)
  })

  it('refuses a rollback to a release the scorer store has no manifest for, before flipping', async () => {
    const tenant = await newTenant()
    const m = memoryEdge()
    const scorer = memoryScorer()
    const deps = { db: h.db, edge: m.edge, scorer }
    for (const r of ['r1', 'r2']) {
      const p = await publishRelease(deps, { spec: spec(tenant, r), actor, reason: 'x' })
      expect(p.ok ? 'ok' : p.error).toBe('ok')
    }
    scorer.manifests.delete(`${tenant}/${tenant}-r1`)
    const r = await rollbackRelease(deps, { tenant, actor, reason: 'x' })
    expect(r.ok ? 'ok' : r.error.code).toBe('release_not_in_scorer_store')
    expect(await pointer(tenant)).toBe(`${tenant}-r2`)
    expect((m.docs.get(kvKeys.pointer(tenant)) as { release: string }).release).toBe(`${tenant}-r2`)
  })
})
