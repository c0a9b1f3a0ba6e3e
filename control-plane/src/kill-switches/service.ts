import { redisKeys, err, ok, type ErrorCode, type Result } from '@recsys/shared'
import type { Redis } from '@upstash/redis'
import { asc, eq } from 'drizzle-orm'
import { checkReason } from '../audit/free-text'
import { writeAudit, type Actor, type Tx } from '../audit/write'
import type { Database } from '../db/client'
import { killSwitches, killSwitchHistory } from '../db/schema/index'
import { tenantExists } from '../tenants/exists'
import { parseSwitchName, validateSwitch } from './names'
import { encodeSwitch, hashReply } from './redis-entry'

/** What the kill-switch service needs; `redis` is an `@upstash/redis` client built with automaticDeserialization: false. */
export interface KillSwitchDeps {
  db: Database
  redis: Redis
  now?: () => Date
}

/** One row of `kill_switches`. */
export type KillSwitchRow = typeof killSwitches.$inferSelect

/** An expected failure, with the code of the error envelope it maps to (docs/architecture.md#error-envelope). */
export interface KillSwitchError {
  code: Extract<ErrorCode, 'BAD_REQUEST' | 'NOT_FOUND' | 'UNAVAILABLE'>
  message: string
}

/**
 * The outcome of an engage or release. The DB change is committed either way; `redis: 'pending'` means the
 * push to Upstash failed and edges will not see it until {@link syncKillSwitches} (or a retry) succeeds.
 */
export interface KillSwitchChange {
  state: KillSwitchRow
  redis: 'pushed' | 'pending'
  /** Why the push failed, when it did. */
  redis_error?: string
}

export interface EngageInput {
  name: string
  value?: string
  reason: string
  actor: Actor
  request_id?: string
}

export interface ReleaseInput {
  name: string
  reason: string
  actor: Actor
  request_id?: string
}

const HASH = redisKeys.killSwitches()

const bad = (message: string): KillSwitchError => ({ code: 'BAD_REQUEST', message })

/** The part of a row the audit log keeps as before/after. */
const auditState = (r: KillSwitchRow | undefined) =>
  r ? { engaged: r.engaged, value: r.value, reason: r.reason, actor: r.actor } : null

/** The history row and the audit row of one change, in the caller's transaction. */
async function recordChange(
  tx: Tx,
  c: {
    action: 'engage' | 'release'
    row: KillSwitchRow
    before: KillSwitchRow | undefined
    tenant: string | undefined
    at: Date
    input: { actor: Actor; request_id?: string }
  },
): Promise<void> {
  await tx.insert(killSwitchHistory).values({ ...pickHistory(c.row), at: c.at })
  await writeAudit(tx, {
    actor: c.input.actor,
    action: `kill_switch.${c.action}`,
    tenant_id: c.tenant ?? null,
    target: c.row.name,
    reason: c.row.reason,
    before: auditState(c.before),
    after: auditState(c.row),
    request_id: c.input.request_id,
  })
}

/** Runs a Redis write and turns a failure into `pending` instead of an exception. */
async function push(
  write: () => Promise<unknown>,
): Promise<Pick<KillSwitchChange, 'redis' | 'redis_error'>> {
  try {
    await write()
    return { redis: 'pushed' }
  } catch (e) {
    return { redis: 'pending', redis_error: e instanceof Error ? e.message : String(e) }
  }
}

/**
 * Engages (or re-engages with a new value or reason) a switch: upsert, history and audit in one transaction,
 * then HSET of the hash field after commit.
 */
export async function engageKillSwitch(
  deps: KillSwitchDeps,
  input: EngageInput,
): Promise<Result<KillSwitchChange, KillSwitchError>> {
  const checked = validateSwitch(input.name, input.value)
  if (!checked.ok) return err(bad(checked.error))
  const why = checkReason(input.reason)
  if (!why.ok) return err(bad(why.error))
  const reason = why.value
  const { name, tenant, value } = checked.value
  // A switch of a tenant that does not exist would switch nothing off while saying it did (a typo in the id).
  if (tenant) {
    const known = await tenantExists(deps.db, tenant)
    if (!known.ok) return known
  }
  const at = deps.now?.() ?? new Date()
  const state = await deps.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(killSwitches)
      .where(eq(killSwitches.name, name))
      .for('update')
    const row: KillSwitchRow = {
      name,
      engaged: true,
      value: value ?? null,
      reason,
      actor: input.actor.id,
      updated_at: at,
    }
    await tx
      .insert(killSwitches)
      .values(row)
      .onConflictDoUpdate({ target: killSwitches.name, set: row })
    await recordChange(tx, { action: 'engage', row, before, tenant, at, input })
    return row
  })
  const pushed = await push(() =>
    deps.redis.hset(HASH, { [name]: encodeSwitch({ value: state.value, at }) }),
  )
  return ok({ state, ...pushed })
}

/** Releases an engaged switch (update, history, audit in one transaction), then HDEL after commit. */
export async function releaseKillSwitch(
  deps: KillSwitchDeps,
  input: ReleaseInput,
): Promise<Result<KillSwitchChange, KillSwitchError>> {
  const parsed = parseSwitchName(input.name)
  if (!parsed.ok) return err(bad(parsed.error))
  const why = checkReason(input.reason)
  if (!why.ok) return err(bad(why.error))
  const reason = why.value
  const { name, tenant } = parsed.value
  const at = deps.now?.() ?? new Date()
  const state = await deps.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(killSwitches)
      .where(eq(killSwitches.name, name))
      .for('update')
    if (!before?.engaged) return undefined
    const row: KillSwitchRow = {
      name,
      engaged: false,
      value: null,
      reason,
      actor: input.actor.id,
      updated_at: at,
    }
    await tx.update(killSwitches).set(row).where(eq(killSwitches.name, name))
    await recordChange(tx, { action: 'release', row, before, tenant, at, input })
    return row
  })
  if (!state) return err({ code: 'NOT_FOUND', message: `kill switch "${name}" is not engaged` })
  const pushed = await push(() => deps.redis.hdel(HASH, name))
  return ok({ state, ...pushed })
}

/** Every switch the DB knows (engaged and released), by name. */
export async function listKillSwitches(deps: Pick<KillSwitchDeps, 'db'>): Promise<KillSwitchRow[]> {
  return deps.db.select().from(killSwitches).orderBy(asc(killSwitches.name))
}

export interface SyncOptions {
  /**
   * Which hash fields this sync may write or delete (default: all). Production reconcilers keep the default;
   * tests pass their own prefix because the hash is shared with other tests and the local stack.
   */
  owns?: (name: string) => boolean
}

/** What a sync changed in Redis. */
export interface SyncReport {
  /** Fields written because they were missing or differed from the DB. */
  set: string[]
  /** Fields deleted because the DB does not know them as engaged. */
  removed: string[]
}

/**
 * Makes the Redis hash match the DB: engaged rows are HSET (when missing or different), every other field is
 * HDEL'd. Idempotent, so a retry or a periodic reconciler converges after a failed push or out-of-order pushes.
 * @note Entries written before the reason was left out of the hash differ from today's encoding, so the first sync
 * (the server runs one every 10 s) rewrites them without it.
 */
export async function syncKillSwitches(
  deps: KillSwitchDeps,
  opts: SyncOptions = {},
): Promise<Result<SyncReport, KillSwitchError>> {
  const owns = opts.owns ?? (() => true)
  const rows = await deps.db.select().from(killSwitches).where(eq(killSwitches.engaged, true))
  const want = new Map(
    rows
      .filter((r) => owns(r.name))
      .map((r) => [r.name, encodeSwitch({ value: r.value, at: r.updated_at })]),
  )
  try {
    const current = hashReply(await deps.redis.hgetall(HASH))
    const toSet: Record<string, string> = {}
    for (const [name, json] of want) if (current[name] !== json) toSet[name] = json
    const removed = Object.keys(current).filter((f) => owns(f) && !want.has(f))
    if (Object.keys(toSet).length > 0) await deps.redis.hset(HASH, toSet)
    if (removed.length > 0) await deps.redis.hdel(HASH, ...removed)
    return ok({ set: Object.keys(toSet).sort(), removed: removed.sort() })
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return err({ code: 'UNAVAILABLE', message: `kill switch sync failed: ${message}` })
  }
}

const pickHistory = (r: KillSwitchRow) => ({
  name: r.name,
  engaged: r.engaged,
  value: r.value,
  reason: r.reason,
  actor: r.actor,
})
