import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReleaseSpec } from '@recsys/shared'
import { startEdgeStack } from '../../test/edge-stack'
import { createDb, migrate, type DbHandle } from '../db/client'
import { auditLog, releasePointerHistory, tenants } from '../db/schema/index'
import { eq } from 'drizzle-orm'
import { PUBLISH_STEPS, publishRelease, rollbackRelease } from './publish'

/**
 * End to end against a real edge Worker (wrangler's local dev engine), with PGlite as the system of record:
 * publish, rollback, visibility at the edge, and a crash after every publish step.
 */
const actor = { id: 'alice', role: 'operator' as const }
const tenant = `pub-${Math.random().toString(36).slice(2, 10)}`

/** A release whose popular list is unique to it, so a response that mixes two releases is detectable. */
function spec(release: string): ReleaseSpec {
  const ids = Array.from({ length: 10 }, (_, i) => `${release}-item-${i}`)
  return {
    tenant,
    release,
    created_at: new Date().toISOString(),
    model_version: `m-${release}`,
    rules_version: 'r',
    config: { tenant, surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
    catalog: Object.fromEntries(ids.map((id) => [id, { categories: ['c'] }])),
    denylist: [],
    rules: { default: { version: 'r', eligibility: { exclude_seen: true }, rerank: {} } },
    popular: [{ surface: 'home_feed', slate: { items: ids.map((item_id) => ({ item_id })) } }],
  }
}

describe('publish and rollback, end to end', () => {
  let stack: Awaited<ReturnType<typeof startEdgeStack>>
  let h: DbHandle
  let key: string
  beforeAll(async () => {
    stack = await startEdgeStack()
    h = await createDb({ url: 'memory://' })
    await migrate(h)
    await h.db.insert(tenants).values({ id: tenant, name: tenant })
    key = await stack.apiKey(tenant)
  }, 120_000)
  afterAll(async () => {
    await h?.close()
    await stack?.stop()
  })

  const serve = async () => {
    const res = await fetch(
      `${stack.url}/v1/recommendations?surface=home_feed&anonymous_id=a1&limit=5`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    )
    const json = (await res.json()) as any
    return {
      status: res.status,
      release: json.metadata?.release as string | undefined,
      items: (json.items ?? []).map((i: any) => i.item_id as string),
    }
  }
  /**
   * Polls until the edge serves `release`. The limit is a hang guard, generous because the tests share two cores:
   * how soon an edge must see a new pointer (its cache TTL) is tested on an injected clock in
   * edge/src/adapters/edge-store/kv.test.ts.
   */
  const until = async (release: string, ms = 30_000) => {
    const t0 = Date.now()
    for (;;) {
      const r = await serve()
      if (r.release === release) return
      if (Date.now() - t0 > ms)
        throw new Error(`edge still serves ${r.release} (status ${r.status}), not ${release}`)
      await new Promise((res) => setTimeout(res, 50))
    }
  }
  const consistent = (r: { release?: string; items: string[] }) =>
    r.items.length > 0 && r.items.every((id) => id.startsWith(`${r.release}-item-`))

  it('publish r1, publish r2, roll back to r1: each served by the edge once its pointer cache expires, audited', async () => {
    const db = { db: h.db, edge: stack.edge }
    const p1 = await publishRelease(db, { spec: spec('r1'), actor, reason: 'first' })
    expect(p1.ok).toBe(true)
    await until('r1')
    const p2 = await publishRelease(db, { spec: spec('r2'), actor, reason: 'second' })
    expect(p2.ok && p2.value.previous).toBe('r1')
    await until('r2')
    const rb = await rollbackRelease(db, { tenant, actor, reason: 'bad model' })
    expect(rb.ok && rb.value).toMatchObject({ release: 'r1', previous: 'r2' })
    await until('r1')
    expect(consistent(await serve())).toBe(true)

    const history = await h.db
      .select()
      .from(releasePointerHistory)
      .where(eq(releasePointerHistory.tenant_id, tenant))
    expect(history.map((x) => [x.action, x.from_release, x.to_release])).toEqual([
      ['publish', null, 'r1'],
      ['publish', 'r1', 'r2'],
      ['rollback', 'r2', 'r1'],
    ])
    const audits = await h.db.select().from(auditLog).where(eq(auditLog.tenant_id, tenant))
    expect(audits.map((a) => a.action)).toEqual([
      'release.publish',
      'release.publish',
      'release.rollback',
    ])
    expect(audits[2]).toMatchObject({
      actor: 'alice',
      reason: 'bad model',
      before: { release: 'r2' },
      after: { release: 'r1' },
    })
  }, 120_000)

  it('a crash after any step before the pointer push leaves r1 serving, no reader sees a mix, and a retry completes it', async () => {
    const steps = PUBLISH_STEPS.filter((s) => s !== 'pointer_pushed')
    for (const [i, step] of steps.entries()) {
      const release = `c${i}`
      const s1 = spec(release) // the same spec for the crashed run and its retry
      // A reader hammers the edge for the whole publish and records every response.
      let reading = true
      const seen: Array<{ release?: string; items: string[] }> = []
      const reader = (async () => {
        while (reading)
          seen.push(await serve().catch(() => ({ release: 'unreachable', items: [] })))
      })()
      const crashed = await publishRelease(
        {
          db: h.db,
          edge: stack.edge,
          faults: (s) => {
            if (s === step) throw new Error(`crash after ${s}`)
          },
        },
        { spec: s1, actor, reason: `crash test ${step}` },
      ).then(
        () => 'completed',
        (e: Error) => e.message,
      )
      expect(crashed).toBe(`crash after ${step}`)
      await new Promise((r) => setTimeout(r, 1200)) // past the edge's pointer TTL
      const after = await serve()
      expect(after.release, `after a crash at ${step}`).toBe(i === 0 ? 'r1' : `c${i - 1}`)

      try {
        const retry = await publishRelease(
          { db: h.db, edge: stack.edge },
          { spec: s1, actor, reason: 'retry' },
        )
        expect(retry.ok ? 'ok' : JSON.stringify(retry.error)).toBe('ok')
        await until(release)
        // The reader's own reads must reach the new release before it stops: its read in flight when the edge
        // switched may still show the old one.
        for (
          const t0 = Date.now();
          !(seen.length > 3 && seen.some((r) => r.release === release));
        ) {
          if (Date.now() - t0 > 30_000) throw new Error(`the reader did not see ${release}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      } finally {
        reading = false
        await reader
      }
      expect(seen.length).toBeGreaterThan(3)
      for (const r of seen) expect(consistent(r), JSON.stringify(r)).toBe(true)
      expect(new Set(seen.map((r) => r.release))).toEqual(
        new Set([i === 0 ? 'r1' : `c${i - 1}`, release]),
      )
    }
  }, 300_000)

  it('refuses a release id reused with other content, and a rollback to a release of another tenant', async () => {
    const again = await publishRelease(
      { db: h.db, edge: stack.edge },
      { spec: { ...spec('r1'), model_version: 'x' }, actor, reason: 'x' },
    )
    expect(!again.ok && again.error.code).toBe('release_conflict')
    const other = await rollbackRelease(
      { db: h.db, edge: stack.edge },
      { tenant: 'someone-else', to: 'r1', actor, reason: 'x' },
    )
    expect(!other.ok && other.error.code).toBe('unknown_release')
  })
})
