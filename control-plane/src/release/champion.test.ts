import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../audit/write'
import { createDb, migrate, type DbHandle } from '../db/client'
import { auditLog, releasePointers } from '../db/schema/index'
import type { EdgeBlobWriter } from '../publish/edge-blobs'
import type { EdgeStoreWriter } from '../publish/edge-store'
import { checkModel } from '@recsys/trainer/model/probe'
import { LocalBlobStore } from '../registry/blob-store'
import type { ReleaseDeps } from './service'
import { createTenant } from '../tenants/service'
import { decide, liveChampion, type RecordedEvaluation } from './champion'
import { runEvaluation } from '../pipeline/eval-run'
import { runPipeline } from '../pipeline/run'

const recorded = (ndcg: number, over: Partial<RecordedEvaluation> = {}): RecordedEvaluation => ({
  model: 'item2item',
  ndcg_at_10: ndcg,
  recall_at_10: 0.1,
  recall_at_20: 0.2,
  map_at_10: 0.05,
  coverage_at_10: 0.3,
  baseline_ndcg_at_10: 0.08,
  dataset: 'synthetic',
  split: 'leave-last-5',
  users_evaluated: 100,
  ...over,
})
const live = (ndcg: number, over: Partial<RecordedEvaluation> = {}) => ({
  release: 'r-live',
  evaluation: recorded(ndcg, over),
})

describe('champion vs challenger (decide)', () => {
  it('refuses a challenger 2.5 % below the live release, with both numbers and the threshold', () => {
    const d = decide(recorded(0.195), live(0.2))
    expect(d).toMatchObject({
      allowed: false,
      verdict: 'refused',
      floor: 0.196,
      change: -0.025,
      max_drop: 0.02,
      champion: { release: 'r-live', ndcg_at_10: 0.2 },
      challenger: { ndcg_at_10: 0.195 },
    })
    expect(d.note).toContain('0.1950')
    expect(d.note).toContain('0.2000')
    expect(d.note).toContain('2.0 %')
    expect(d.note).toContain('floor 0.1960')
  })

  it('allows 1.5 % below, exactly 2 % below, and any gain', () => {
    expect(decide(recorded(0.197), live(0.2))).toMatchObject({ allowed: true, verdict: 'passed' })
    expect(decide(recorded(0.098), live(0.1))).toMatchObject({ allowed: true, verdict: 'passed' })
    expect(decide(recorded(0.3), live(0.2))).toMatchObject({ allowed: true, change: 0.5 })
  })

  it('force lets a refused challenger through as "forced"; it changes nothing when the gate passes', () => {
    expect(decide(recorded(0.195), live(0.2), { force: true })).toMatchObject({
      allowed: true,
      verdict: 'forced',
    })
    expect(decide(recorded(0.21), live(0.2), { force: true }).verdict).toBe('passed')
  })

  it('allows, and says why, when there is nothing like-for-like to compare with', () => {
    expect(decide(recorded(0.01), null)).toMatchObject({
      allowed: true,
      verdict: 'first_release',
      champion: null,
    })
    expect(decide(recorded(0.01), { release: 'r-old', evaluation: null })).toMatchObject({
      allowed: true,
      verdict: 'not_recorded',
      champion: { release: 'r-old' },
    })
    const otherData = decide(recorded(0.01), live(0.2, { dataset: 'movielens:ml-latest-small' }))
    expect(otherData).toMatchObject({ allowed: true, verdict: 'not_comparable' })
    expect(otherData.note).toContain('movielens:ml-latest-small')
    const otherSplit = decide(recorded(0.01), live(0.2, { split: 'temporal-10%' }))
    expect(otherSplit).toMatchObject({ allowed: true, verdict: 'not_comparable' })
  })
})

/** Edge KV and R2 in memory: this suite is about the gate, not the edge. */
function memoryEdge(): { edge: EdgeStoreWriter; edgeBlobs: EdgeBlobWriter } {
  const kv = new Map<string, unknown>()
  const r2 = new Map<string, Uint8Array>()
  return {
    edge: {
      putJson: async (entries) => {
        for (const e of entries) kv.set(e.key, e.value)
      },
      getJson: async (key) => kv.get(key) ?? null,
    },
    edgeBlobs: {
      putBlob: async (key, bytes) => void r2.set(key, bytes),
      hasBlob: async (key) => r2.has(key),
    },
  }
}

describe('the champion gate in runPipeline (PGlite in memory, blobs in a temp dir)', () => {
  const actor: Actor = { id: 'op-champion', role: 'operator' }
  const tenant = 'champ'
  let h: DbHandle
  let dir: string
  let deps: ReleaseDeps

  beforeAll(async () => {
    h = await createDb({ url: 'memory://' })
    await migrate(h)
    dir = await mkdtemp(path.join(tmpdir(), 'champion-'))
    deps = { db: h.db, blobs: new LocalBlobStore(dir), modelCheck: checkModel, ...memoryEdge() }
    const t = await createTenant(deps, { id: tenant, actor, reason: 'test' })
    expect(t.ok).toBe(true)
  }, 60_000)
  afterAll(async () => {
    await h?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const pointer = async () =>
    (await h.db.select().from(releasePointers).where(eq(releasePointers.tenant_id, tenant)))[0]
      ?.release_id
  // Same generator, dataset name and split; the larger, sparser catalog scores far lower NDCG@10.
  const strong = { dataset: 'synthetic' as const, seed: 1, items: 100, users: 60 }
  const weak = { dataset: 'synthetic' as const, seed: 2, items: 1500, users: 30 }

  it('publishes the first release and records its evaluation with the model', async () => {
    const r = await runPipeline(deps, { tenant, ...strong, publish: true, reason: 'first', actor })
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.champion).toMatchObject({ allowed: true, verdict: 'first_release' })
    expect(r.value.evaluation.served_model).toBe('ranker')
    expect(await pointer()).toBe(r.value.published!.release)
    const champ = await liveChampion(h.db, tenant)
    expect(champ).toEqual({
      release: r.value.published!.release,
      evaluation: expect.objectContaining({
        model: 'ranker',
        ndcg_at_10: r.value.evaluation.models.ranker!.ndcg_at_10,
        dataset: 'synthetic',
        split: 'leave-last-5',
      }),
    })
  }, 60_000)

  it('refuses a regressed challenger and leaves the live release serving; eval predicts it', async () => {
    const before = await pointer()
    const predicted = await runEvaluation(deps, { tenant, ...weak })
    if (!predicted.ok) throw new Error(predicted.error.message)
    expect(predicted.value.champion).toMatchObject({ allowed: false, verdict: 'refused' })
    const r = await runPipeline(deps, { tenant, ...weak, publish: true, reason: 'weak', actor })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('CHAMPION_REGRESSION')
    expect(r.error.message).toMatch(/refused: challenger ranker NDCG@10 0\.\d{4} vs live release/)
    expect(r.error.details).toEqual([
      expect.objectContaining({ check: 'champion_regression', artifact: 'release' }),
    ])
    expect(await pointer()).toBe(before)
  }, 60_000)

  it('a forced publish goes live and audits the override with both numbers', async () => {
    const r = await runPipeline(deps, {
      tenant,
      ...weak,
      publish: true,
      force: true,
      reason: 'new catalog, accepted drop',
      actor,
    })
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.champion.verdict).toBe('forced')
    expect(await pointer()).toBe(r.value.published!.release)
    const rows = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenant_id, tenant), eq(auditLog.action, 'release.champion_override')))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      actor: actor.id,
      target: r.value.published!.release,
      reason: 'pipeline: new catalog, accepted drop',
      before: { ndcg_at_10: r.value.champion.champion!.ndcg_at_10 },
      after: {
        release: r.value.published!.release,
        ndcg_at_10: r.value.evaluation.models.ranker!.ndcg_at_10,
      },
    })
    // The forced release is now the champion: the same run passes.
    const again = await runPipeline(deps, { tenant, ...weak, publish: false, reason: 'x', actor })
    expect(again.ok && again.value.champion.verdict).toBe('passed')
  }, 60_000)
})
