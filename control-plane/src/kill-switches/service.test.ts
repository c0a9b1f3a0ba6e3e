import { effectiveSwitches, redisKeys, type KillSwitchMap } from '@recsys/shared'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../audit/write'
import { auditLog, killSwitches, killSwitchHistory, tenants } from '../db/schema/index'
import { hashReply } from './redis-entry'
import {
  engageKillSwitch,
  listKillSwitches,
  releaseKillSwitch,
  syncKillSwitches,
  type KillSwitchDeps,
} from './service'
import { openHarness, type Harness } from './test-harness'

const HASH = redisKeys.killSwitches()
const sre: Actor = { id: 'op-sre', role: 'sre' }

describe('kill switch service (PGlite + Upstash gateway over real Redis)', () => {
  let t: Harness
  let deps: KillSwitchDeps
  let n = 0
  /** A fresh tenant containing this run's id (switches of tenants that do not exist are refused). */
  const tenant = async () => {
    const id = `ks-${t.run}-${++n}`
    await t.h.db.insert(tenants).values({ id, name: id })
    return id
  }
  const mine = (field: string) => field.includes(t.run)

  beforeAll(async () => {
    t = await openHarness()
    deps = { db: t.h.db, redis: t.redis }
  })
  afterAll(async () => {
    // Only the fields this run created: the hash is shared with other tests and the local stack.
    const all = hashReply(await t.redis.hgetall(HASH))
    const ours = Object.keys(all).filter(mine)
    if (ours.length > 0) await t.redis.hdel(HASH, ...ours)
    await t.close()
  })

  /** This run's fields of the hash, parsed as the edge parses them. */
  async function ourSwitches(): Promise<KillSwitchMap> {
    const all = hashReply(await t.redis.hgetall(HASH))
    return Object.fromEntries(
      Object.entries(all)
        .filter(([f]) => mine(f))
        .map(([f, v]) => [f, JSON.parse(v)]),
    )
  }
  const history = (name: string) =>
    t.h.db.select().from(killSwitchHistory).where(eq(killSwitchHistory.name, name))
  const audits = (name: string) =>
    t.h.db.select().from(auditLog).where(eq(auditLog.target, name)).orderBy(auditLog.id)

  it('engage writes the row, history and audit in the DB and the field the edge reads', async () => {
    const ten = await tenant()
    const name = `tenant:${ten}:edge.force_tier`
    const at = new Date('2030-01-02T03:04:05.000Z')
    const r = await engageKillSwitch(
      { ...deps, now: () => at },
      { name, value: 'segment', reason: '  scorer is down  ', actor: sre, request_id: 'req-1' },
    )
    expect(r).toEqual({
      ok: true,
      value: {
        state: {
          name,
          engaged: true,
          value: 'segment',
          reason: 'scorer is down',
          actor: 'op-sre',
          updated_at: at,
        },
        redis: 'pushed',
      },
    })
    const [row] = await t.h.db.select().from(killSwitches).where(eq(killSwitches.name, name))
    expect(row).toMatchObject({ engaged: true, value: 'segment', updated_at: at })
    expect(await history(name)).toMatchObject([
      { engaged: true, value: 'segment', actor: 'op-sre', at },
    ])
    const [audit] = await audits(name)
    expect(audit).toMatchObject({
      action: 'kill_switch.engage',
      actor: 'op-sre',
      role: 'sre',
      tenant_id: ten,
      reason: 'scorer is down',
      request_id: 'req-1',
      before: null,
      after: { engaged: true, value: 'segment', reason: 'scorer is down', actor: 'op-sre' },
    })
    const raw = (await t.redis.hget(HASH, name)) as string
    // The reason stays in Postgres and the audit log: the entry every edge request reads has none.
    expect(JSON.parse(raw)).toEqual({ value: 'segment', at: at.toISOString() })
    const eff = effectiveSwitches(await ourSwitches(), ten)
    expect(eff.forceTier).toBe('segment')
    expect(eff.engaged).toEqual([name])
    // Another tenant does not see it.
    expect(effectiveSwitches(await ourSwitches(), await tenant()).forceTier).toBeUndefined()
  })

  it('re-engaging updates the value and audits before and after', async () => {
    const ten = await tenant()
    const name = `tenant:${ten}:edge.force_tier`
    await engageKillSwitch(deps, { name, value: 'segment', reason: 'first', actor: sre })
    const r = await engageKillSwitch(deps, {
      name,
      value: 'emergency',
      reason: 'worse',
      actor: sre,
    })
    expect(r.ok && r.value.redis).toBe('pushed')
    expect((await history(name)).map((h) => h.value)).toEqual(['segment', 'emergency'])
    const [, second] = await audits(name)
    expect(second!.before).toMatchObject({ engaged: true, value: 'segment', reason: 'first' })
    expect(second!.after).toMatchObject({ engaged: true, value: 'emergency', reason: 'worse' })
    expect(effectiveSwitches(await ourSwitches(), ten).forceTier).toBe('emergency')
  })

  it('switches without a value are stored without one and mean what docs/architecture.md#kill-switches says', async () => {
    const ten = await tenant()
    for (const base of [
      'edge.scorer',
      'edge.personalization',
      `surface.home_feed`,
      'source.trending',
    ]) {
      const r = await engageKillSwitch(deps, {
        name: `tenant:${ten}:${base}`,
        reason: 'drill',
        actor: sre,
      })
      expect(r.ok).toBe(true)
    }
    const map = await ourSwitches()
    expect(map[`tenant:${ten}:edge.scorer`]).not.toHaveProperty('value')
    const eff = effectiveSwitches(map, ten)
    expect(eff).toMatchObject({ scorer: true, personalization: true, edgeModel: false })
    expect([...eff.surfaces]).toEqual(['home_feed'])
    expect([...eff.sources]).toEqual(['trending'])
  })

  it('bad input is a BAD_REQUEST and writes nothing', async () => {
    const ten = await tenant()
    const cases = [
      { name: `tenant:${ten}:edge.scorer`, reason: '   ' },
      { name: `tenant:${ten}:edge.force_tier`, reason: 'x' },
      { name: `tenant:${ten}:edge.scorer`, value: 'on', reason: 'x' },
      { name: `tenant:${ten}:edge.nope`, reason: 'x' },
    ]
    for (const c of cases) {
      const r = await engageKillSwitch(deps, { ...c, actor: sre })
      expect(r.ok ? 'ok' : r.error.code).toBe('BAD_REQUEST')
      expect(await history(c.name)).toEqual([])
      expect(await audits(c.name)).toEqual([])
    }
    const r = await releaseKillSwitch(deps, {
      name: `tenant:${ten}:edge.scorer`,
      reason: '',
      actor: sre,
    })
    expect(r.ok ? 'ok' : r.error.code).toBe('BAD_REQUEST')
    expect(Object.keys(await ourSwitches()).filter((f) => f.includes(ten))).toEqual([])
  })

  it('a switch of a tenant that does not exist is NOT_FOUND and writes nothing', async () => {
    const name = `tenant:ks-${t.run}-nobody:edge.scorer`
    const r = await engageKillSwitch(deps, { name, reason: 'typo', actor: sre })
    expect(r.ok ? 'ok' : r.error.code).toBe('NOT_FOUND')
    expect(await history(name)).toEqual([])
    expect(await audits(name)).toEqual([])
    expect(await ourSwitches()).not.toHaveProperty(name)
  })

  it('release deletes the field and appends history and audit', async () => {
    const ten = await tenant()
    const name = `tenant:${ten}:edge.edge_model`
    await engageKillSwitch(deps, { name, reason: 'bad model', actor: sre })
    expect(effectiveSwitches(await ourSwitches(), ten).edgeModel).toBe(true)
    const r = await releaseKillSwitch(deps, { name, reason: 'model fixed', actor: sre })
    expect(r.ok && r.value).toMatchObject({
      state: { engaged: false, value: null },
      redis: 'pushed',
    })
    expect(await t.redis.hexists(HASH, name)).toBe(0)
    expect(effectiveSwitches(await ourSwitches(), ten).edgeModel).toBe(false)
    expect((await history(name)).map((h) => [h.engaged, h.reason])).toEqual([
      [true, 'bad model'],
      [false, 'model fixed'],
    ])
    const [, rel] = await audits(name)
    expect(rel).toMatchObject({
      action: 'kill_switch.release',
      tenant_id: ten,
      before: { engaged: true, reason: 'bad model' },
      after: { engaged: false, value: null, reason: 'model fixed' },
    })
    const [row] = await t.h.db.select().from(killSwitches).where(eq(killSwitches.name, name))
    expect(row).toMatchObject({ engaged: false, reason: 'model fixed' })
  })

  it('releasing a switch that is not engaged is NOT_FOUND and writes nothing', async () => {
    const ten = await tenant()
    const never = `tenant:${ten}:edge.scorer`
    const r1 = await releaseKillSwitch(deps, { name: never, reason: 'x', actor: sre })
    expect(r1).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: `kill switch "${never}" is not engaged` },
    })
    const twice = `tenant:${ten}:edge.personalization`
    await engageKillSwitch(deps, { name: twice, reason: 'a', actor: sre })
    await releaseKillSwitch(deps, { name: twice, reason: 'b', actor: sre })
    const r2 = await releaseKillSwitch(deps, { name: twice, reason: 'c', actor: sre })
    expect(r2.ok ? 'ok' : r2.error.code).toBe('NOT_FOUND')
    expect(await history(never)).toEqual([])
    expect(await audits(never)).toEqual([])
    expect(await history(twice)).toHaveLength(2)
    expect(await audits(twice)).toHaveLength(2)
  })

  it('a failed push keeps the DB change, reports pending, and sync converges', async () => {
    const broken = { ...deps, redis: t.broken }
    const ten = await tenant()
    const engagedOffline = `source.${t.run}-offline`
    const releasedOffline = `surface.${t.run}-released`
    const stray = `tenant:${ten}:surface.stray`
    // Engaged and pushed, then released while Redis is unreachable: the field is stale in Redis.
    await engageKillSwitch(deps, { name: releasedOffline, reason: 'r', actor: sre })
    const rel = await releaseKillSwitch(broken, { name: releasedOffline, reason: 'r2', actor: sre })
    expect(rel.ok && rel.value.redis).toBe('pending')
    expect(await t.redis.hexists(HASH, releasedOffline)).toBe(1)

    const eng = await engageKillSwitch(broken, { name: engagedOffline, reason: 'off', actor: sre })
    expect(eng.ok).toBe(true)
    if (!eng.ok) return
    expect(eng.value.redis).toBe('pending')
    expect(eng.value.redis_error).toBeTruthy()
    const [row] = await t.h.db
      .select()
      .from(killSwitches)
      .where(eq(killSwitches.name, engagedOffline))
    expect(row?.engaged).toBe(true)
    expect(await audits(engagedOffline)).toHaveLength(1)
    expect(await t.redis.hexists(HASH, engagedOffline)).toBe(0)
    // A field the DB does not know as engaged (e.g. written by hand).
    await t.redis.hset(HASH, { [stray]: JSON.stringify({ reason: 'by hand' }) })

    const down = await syncKillSwitches(broken, { owns: mine })
    expect(down.ok ? 'ok' : down.error.code).toBe('UNAVAILABLE')

    const synced = await syncKillSwitches(deps, { owns: mine })
    expect(synced.ok).toBe(true)
    if (!synced.ok) return
    expect(synced.value.set).toContain(engagedOffline)
    expect(synced.value.removed).toEqual(expect.arrayContaining([releasedOffline, stray]))
    const map = await ourSwitches()
    const engagedInDb = (await listKillSwitches(deps)).filter((r) => r.engaged && mine(r.name))
    expect(Object.keys(map).sort()).toEqual(engagedInDb.map((r) => r.name).sort())
    expect(JSON.parse((await t.redis.hget(HASH, engagedOffline)) as string)).toEqual({
      at: row!.updated_at.toISOString(),
    })
    expect([...effectiveSwitches(map, ten).sources]).toContain(`${t.run}-offline`)
    // Converged: a second sync has nothing to do.
    expect(await syncKillSwitches(deps, { owns: mine })).toEqual({
      ok: true,
      value: { set: [], removed: [] },
    })
  })

  it('sync leaves fields it does not own alone', async () => {
    const foreign = `source.${t.run}-foreign`
    await t.redis.hset(HASH, { [foreign]: JSON.stringify({ reason: 'x' }) })
    const r = await syncKillSwitches(deps, { owns: (f) => mine(f) && f !== foreign })
    expect(r.ok && r.value.removed).not.toContain(foreign)
    expect(await t.redis.hexists(HASH, foreign)).toBe(1)
  })

  it('list returns engaged and released switches by name', async () => {
    const a = `source.${t.run}-list-a`
    const b = `source.${t.run}-list-b`
    await engageKillSwitch(deps, { name: b, reason: 'x', actor: sre })
    await engageKillSwitch(deps, { name: a, reason: 'x', actor: sre })
    await releaseKillSwitch(deps, { name: a, reason: 'y', actor: sre })
    const rows = (await listKillSwitches(deps)).filter((r) => r.name.includes('-list-'))
    expect(rows.map((r) => [r.name, r.engaged])).toEqual([
      [a, false],
      [b, true],
    ])
  })
})
