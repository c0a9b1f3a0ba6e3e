import { createHash, randomBytes, randomUUID } from 'node:crypto'
import {
  Id,
  KeyPermission,
  PrivacyMode,
  TenantConfig,
  err,
  kvKeys,
  ok,
  type ApiKeyRecord,
  type Result,
} from '@recsys/shared'
import { and, asc, eq } from 'drizzle-orm'
import { writeAudit, type Actor, type Tx } from '../audit/write'
import type { Database } from '../db/client'
import { apiKeys, releasePointers, surfaces, tenants } from '../db/schema/index'
import type { EdgeStoreWriter } from '../publish/edge-store'
import { tenantExists } from './exists'

export interface TenantDeps {
  db: Database
  edge: EdgeStoreWriter
}

export type ServiceError = {
  code: 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE'
  message: string
}

/** The surfaces every new tenant starts with (docs/architecture.md#surfaces). */
export const DEFAULT_SURFACES = [
  { id: 'home_feed', kind: 'personalized' as const },
  { id: 'related_items', kind: 'item_anchored' as const },
]

export const DEFAULT_KEY_PERMISSIONS: KeyPermission[] = ['recommend', 'events']

const apiKeyHash = (key: string) => createHash('sha256').update(key).digest('hex')

export interface NewKey {
  key_id: string
  api_key: string
  permissions: KeyPermission[]
}

/**
 * Creates a tenant with the default surfaces and a first API key, all in one transaction with its audit row; the
 * key record is written to the edge store before it commits, so a failed push creates nothing (UNAVAILABLE) and the
 * call can be retried. The clear key is returned once.
 */
export async function createTenant(
  deps: TenantDeps,
  input: {
    id: string
    name?: string
    consent_default?: string
    permissions?: string[]
    actor: Actor
    reason: string
    request_id?: string
  },
): Promise<Result<{ tenant: string; api_key: string; key_id: string }, ServiceError>> {
  if (!Id.safeParse(input.id).success)
    return err({ code: 'BAD_REQUEST', message: `bad tenant id "${input.id}"` })
  const consent = PrivacyMode.safeParse(input.consent_default ?? 'non_personalized')
  if (!consent.success)
    return err({ code: 'BAD_REQUEST', message: `consent_default must be a privacy mode` })
  const perms = parsePermissions(input.permissions ?? DEFAULT_KEY_PERMISSIONS)
  if (!perms.ok) return perms
  const key = mintKey(input.id, perms.value)
  const created = await withPush(() =>
    deps.db.transaction(async (tx) => {
      const [exists] = await tx.select().from(tenants).where(eq(tenants.id, input.id))
      if (exists) return false
      await tx
        .insert(tenants)
        .values({ id: input.id, name: input.name ?? input.id, consent_default: consent.data })
      await tx.insert(surfaces).values(DEFAULT_SURFACES.map((s) => ({ tenant_id: input.id, ...s })))
      await tx.insert(apiKeys).values({
        id: key.key_id,
        tenant_id: input.id,
        key_hash: apiKeyHash(key.api_key),
        prefix: key.api_key.slice(0, 12),
        permissions: key.permissions,
        created_by: input.actor.id,
      })
      await writeAudit(tx, {
        actor: input.actor,
        action: 'tenant.create',
        tenant_id: input.id,
        target: input.id,
        reason: input.reason,
        after: {
          id: input.id,
          surfaces: DEFAULT_SURFACES.map((s) => s.id),
          key_id: key.key_id,
          permissions: key.permissions,
        },
        request_id: input.request_id,
      })
      await pushKey(deps.edge, input.id, key, false)
      return true
    }),
  )
  if (!created.ok) return created
  if (!created.value) return err({ code: 'CONFLICT', message: `tenant ${input.id} exists` })
  return ok({ tenant: input.id, api_key: key.api_key, key_id: key.key_id })
}

function parsePermissions(list: string[]): Result<KeyPermission[], ServiceError> {
  const out: KeyPermission[] = []
  for (const p of list) {
    const r = KeyPermission.safeParse(p)
    if (!r.success)
      return err({
        code: 'BAD_REQUEST',
        message: `unknown permission "${p}" (one of ${KeyPermission.options.join(', ')})`,
      })
    if (!out.includes(r.data)) out.push(r.data)
  }
  if (out.length === 0) return err({ code: 'BAD_REQUEST', message: 'a key needs a permission' })
  // A key that serves or records (recommend, events) is the kind shipped in browsers and apps, where anyone can
  // read it: it must never also delete users or set their consent.
  if (out.includes('users') && (out.includes('recommend') || out.includes('events')))
    return err({
      code: 'BAD_REQUEST',
      message:
        'the users permission (deletion, consent) is for server keys: create it on a key without recommend and ' +
        'events (recsys key create --permissions users), since those keys may ship in clients',
    })
  return ok(out)
}

function mintKey(tenant: string, permissions: KeyPermission[]): NewKey {
  return {
    key_id: `key_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    api_key: `rk_${tenant.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}_${randomBytes(24).toString('base64url')}`,
    permissions,
  }
}

async function pushKey(edge: EdgeStoreWriter, tenant: string, key: NewKey, disabled: boolean) {
  const record: ApiKeyRecord = {
    tenant,
    key_id: key.key_id,
    permissions: key.permissions,
    disabled,
  }
  await pushRecord(edge, apiKeyHash(key.api_key), record)
}

/** A write of a key record that the edge store refused; thrown inside a transaction, it rolls the change back. */
class EdgePushFailed extends Error {}

async function pushRecord(edge: EdgeStoreWriter, hash: string, record: ApiKeyRecord) {
  try {
    await edge.putJson([{ key: kvKeys.apiKey(hash), value: record }])
  } catch (e) {
    throw new EdgePushFailed(e instanceof Error ? e.message : String(e))
  }
}

/**
 * Runs a change whose last step pushes a key record to the edge store, inside its transaction: the DB and the
 * edge agree, because a failed push rolls the change back and answers UNAVAILABLE (nothing changed; retry).
 */
async function withPush<T>(change: () => Promise<T>): Promise<Result<T, ServiceError>> {
  try {
    return ok(await change())
  } catch (e) {
    if (!(e instanceof EdgePushFailed)) throw e
    return err({
      code: 'UNAVAILABLE',
      message: `the edge store did not take the key record (${e.message}); nothing changed, retry`,
    })
  }
}

export async function listTenants(db: Database) {
  const rows = await db
    .select({ t: tenants, release: releasePointers.release_id })
    .from(tenants)
    .leftJoin(releasePointers, eq(releasePointers.tenant_id, tenants.id))
    .orderBy(asc(tenants.id))
  return rows.map(({ t, release }) => ({ ...t, release: release ?? null }))
}

export async function getTenant(db: Database, id: string) {
  const [t] = (await listTenants(db)).filter((x) => x.id === id)
  if (!t) return undefined
  const s = await db
    .select()
    .from(surfaces)
    .where(eq(surfaces.tenant_id, id))
    .orderBy(asc(surfaces.id))
  return { ...t, surfaces: s.map(({ tenant_id: _, ...rest }) => rest) }
}

/**
 * Adds an API key to a tenant (audited) and pushes it to the edge store before the commit (a failed push adds
 * nothing: UNAVAILABLE); the clear key is returned once.
 */
export async function createApiKey(
  deps: TenantDeps,
  input: {
    tenant: string
    permissions: string[]
    actor: Actor
    reason: string
    request_id?: string
  },
): Promise<Result<NewKey, ServiceError>> {
  const perms = parsePermissions(input.permissions)
  if (!perms.ok) return perms
  const known = await tenantExists(deps.db, input.tenant)
  if (!known.ok) return known
  const key = mintKey(input.tenant, perms.value)
  const added = await addKey(deps, input, key)
  return added.ok ? ok(key) : added
}

/** The key row and its audit row, pushed to the edge store before the commit (a failed push adds nothing). */
const addKey = (
  deps: TenantDeps,
  input: { tenant: string; actor: Actor; reason: string; request_id?: string },
  key: NewKey,
) =>
  withPush(() =>
    deps.db.transaction(async (tx) => {
      await insertKey(tx, input, key)
      await pushKey(deps.edge, input.tenant, key, false)
    }),
  )

/** The key row (hash only) and its audit row, in the caller's transaction. */
async function insertKey(
  tx: Tx,
  input: { tenant: string; actor: Actor; reason: string; request_id?: string },
  key: NewKey,
): Promise<void> {
  await tx.insert(apiKeys).values({
    id: key.key_id,
    tenant_id: input.tenant,
    key_hash: apiKeyHash(key.api_key),
    prefix: key.api_key.slice(0, 12),
    permissions: key.permissions,
    created_by: input.actor.id,
  })
  await writeAudit(tx, {
    actor: input.actor,
    action: 'api_key.create',
    tenant_id: input.tenant,
    target: key.key_id,
    reason: input.reason,
    after: { key_id: key.key_id, permissions: key.permissions },
    request_id: input.request_id,
  })
}

export async function listApiKeys(db: Database, tenant: string) {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.tenant_id, tenant))
    .orderBy(asc(apiKeys.created_at))
  return rows.map(({ key_hash: _, ...r }) => r)
}

/**
 * Revokes a key: marked revoked (audited) and its edge record overwritten as disabled before the commit, so edges
 * refuse it once their key cache (≤ 10 s) expires. A failed push leaves the key active in both (UNAVAILABLE), so
 * the revocation can be retried; it never commits a revocation the edge did not get.
 */
export async function revokeApiKey(
  deps: TenantDeps,
  input: { tenant: string; key_id: string; actor: Actor; reason: string; request_id?: string },
): Promise<Result<{ key_id: string; revoked_at: Date }, ServiceError>> {
  const at = new Date()
  const revoked = await withPush(() =>
    deps.db.transaction(async (tx) => {
      const [k] = await tx
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.tenant_id, input.tenant), eq(apiKeys.id, input.key_id)))
        .for('update')
      if (!k || k.revoked_at) return undefined
      await tx.update(apiKeys).set({ revoked_at: at }).where(eq(apiKeys.id, k.id))
      await writeAudit(tx, {
        actor: input.actor,
        action: 'api_key.revoke',
        tenant_id: input.tenant,
        target: k.id,
        reason: input.reason,
        before: { revoked_at: null },
        after: { revoked_at: at.toISOString() },
        request_id: input.request_id,
      })
      await pushRecord(deps.edge, k.key_hash, {
        tenant: input.tenant,
        key_id: k.id,
        permissions: k.permissions as KeyPermission[],
        disabled: true,
      })
      return k
    }),
  )
  if (!revoked.ok) return revoked
  const row = revoked.value
  if (!row)
    return err({ code: 'NOT_FOUND', message: `no active key ${input.key_id} for ${input.tenant}` })
  return ok({ key_id: row.id, revoked_at: at })
}

/**
 * Makes sure a tenant has a key with this exact clear value (local stacks only: `npm start` keeps its demo keys
 * stable across restarts so printed curl lines keep working). Inserts it (audited) when unknown; either way the
 * record is written to the edge store again, in case the edge state was wiped.
 */
export async function ensureApiKey(
  deps: TenantDeps,
  input: {
    tenant: string
    api_key: string
    permissions: string[]
    actor: Actor
    reason: string
    request_id?: string
  },
): Promise<Result<{ key_id: string; created: boolean; permissions: string[] }, ServiceError>> {
  const perms = parsePermissions(input.permissions)
  if (!perms.ok) return perms
  const known = await tenantExists(deps.db, input.tenant)
  if (!known.ok) return known
  const hash = apiKeyHash(input.api_key)
  const [row] = await deps.db.select().from(apiKeys).where(eq(apiKeys.key_hash, hash))
  if (row && row.tenant_id !== input.tenant)
    return err({ code: 'CONFLICT', message: 'that key belongs to another tenant' })
  if (row) {
    // A revoked key stays revoked: its record is not written again, and bringing it back is refused (answering as
    // if it worked would hand out a key the edge refuses).
    if (row.revoked_at)
      return err({
        code: 'CONFLICT',
        message: `key ${row.id} was revoked; a revoked key cannot be brought back, create a new one`,
      })
    const again: NewKey = {
      key_id: row.id,
      api_key: input.api_key,
      permissions: row.permissions as KeyPermission[],
    }
    const pushed = await withPush(() => pushKey(deps.edge, input.tenant, again, false))
    // The key keeps the permissions it was created with, whatever this call asked for: they are what it can do.
    return pushed.ok ? ok({ key_id: row.id, created: false, permissions: row.permissions }) : pushed
  }
  const key: NewKey = { ...mintKey(input.tenant, perms.value), api_key: input.api_key }
  const added = await addKey(deps, input, key)
  return added.ok ? ok({ key_id: key.key_id, created: true, permissions: key.permissions }) : added
}

/** A tenant's serving config (surfaces with their kind, deadline and rules; consent default), as releases carry it. */
export async function loadTenantConfig(
  db: Database,
  tenant: string,
): Promise<Result<TenantConfig, { code: 'NOT_FOUND' | 'BAD_REQUEST'; message: string }>> {
  const [t] = await db.select().from(tenants).where(eq(tenants.id, tenant))
  if (!t) return err({ code: 'NOT_FOUND', message: `tenant ${tenant} does not exist` })
  const rows = await db
    .select()
    .from(surfaces)
    .where(eq(surfaces.tenant_id, tenant))
    .orderBy(asc(surfaces.id))
  const config = TenantConfig.safeParse({
    tenant: t.id,
    consent_default: t.consent_default,
    surfaces: rows.map((s) => ({
      id: s.id,
      kind: s.kind,
      deadline_ms: s.deadline_ms,
      rules: s.rules,
    })),
  })
  if (!config.success)
    return err({ code: 'BAD_REQUEST', message: `tenant ${tenant} has no valid surfaces` })
  return ok(config.data)
}
