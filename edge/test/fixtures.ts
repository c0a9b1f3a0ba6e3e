import { env } from 'cloudflare:workers'
import { Redis } from '@upstash/redis/cloudflare'
import {
  kvKeys,
  planRelease,
  redisKeys,
  type ApiKeyRecord,
  type KeyPermission,
  type ReleaseSpec,
  type Slate,
} from '@recsys/shared'
import { sha256Hex } from '../src/util/sha256'
import type { Env } from '../src/env'

/** A tenant id no earlier run or other test file uses. */
export const newTenant = (prefix = 't') => `${prefix}-${crypto.randomUUID().slice(0, 12)}`

/** Writes a release to the edge store the way a publish does: blobs, manifest, then the pointer. */
export async function publish(spec: ReleaseSpec, kv: KVNamespace = env.EDGE_KV): Promise<void> {
  const plan = planRelease(spec)
  await Promise.all(plan.blobs.map((w) => kv.put(w.key, JSON.stringify(w.value))))
  await kv.put(plan.manifest.key, JSON.stringify(plan.manifest.value))
  await kv.put(plan.pointer.key, JSON.stringify(plan.pointer.value))
}

/** Creates an API key for the tenant and stores its hash; returns the clear key. */
export async function createKey(
  tenant: string,
  permissions: KeyPermission[] = ['recommend', 'events'],
) {
  const key = `rk_${crypto.randomUUID().replace(/-/g, '')}`
  const record: ApiKeyRecord = { tenant, key_id: crypto.randomUUID(), permissions, disabled: false }
  await env.EDGE_KV.put(kvKeys.apiKey(await sha256Hex(key)), JSON.stringify(record))
  return key
}

/** The real Upstash client, pointed at the gateway in front of real Redis. */
export const redis = () =>
  new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    enableTelemetry: false,
  })

export interface UserStateSeed {
  consent?: boolean
  age?: number
  segment?: string
  suppressedItems?: string[]
  suppressedCategories?: string[]
  seen?: string[]
  impressions?: Array<{ item: string; at: number }>
}

/** Writes a user's real-time state as the events path will. */
export async function seedUser(tenant: string, userId: string, s: UserStateSeed): Promise<void> {
  const subject = `u.${userId}`
  const p = redis().pipeline()
  const profile: Record<string, string> = {}
  if (s.consent !== undefined) profile.consent = s.consent ? '1' : '0'
  if (s.age !== undefined) profile.age = String(s.age)
  if (s.segment !== undefined) profile.segment = s.segment
  if (Object.keys(profile).length > 0) p.hset(redisKeys.profile(tenant, subject), profile)
  if (s.suppressedItems?.length)
    p.sadd(redisKeys.suppressedItems(tenant, subject), ...(s.suppressedItems as [string]))
  if (s.suppressedCategories?.length)
    p.sadd(redisKeys.suppressedCategories(tenant, subject), ...(s.suppressedCategories as [string]))
  if (s.seen?.length) p.sadd(redisKeys.seen(tenant, subject), ...(s.seen as [string]))
  for (const [i, imp] of (s.impressions ?? []).entries())
    p.zadd(redisKeys.impressions(tenant, subject), { score: imp.at, member: `${imp.item}|e${i}` })
  if (p.length() > 0) await p.exec()
}

/** Engages a kill switch as the control plane will (name is global or `tenant:<id>:<name>`). */
export async function engage(name: string, value?: string): Promise<void> {
  await redis().hset(redisKeys.killSwitches(), {
    [name]: JSON.stringify({ value, at: new Date().toISOString() }),
  })
}

export async function release(name: string): Promise<void> {
  await redis().hdel(redisKeys.killSwitches(), name)
}

export const slate = (ids: string[], source?: string): Slate => ({
  items: ids.map((item_id, i) => ({
    item_id,
    score: 1 - i / (ids.length + 1),
    ...(source && { source }),
  })),
})

/** A small but complete release: 40 items in 4 categories, popular, segment and user slates. */
export function baseSpec(tenant: string, over: Partial<ReleaseSpec> = {}): ReleaseSpec {
  const ids = Array.from({ length: 40 }, (_, i) => `i${i + 1}`)
  return {
    tenant,
    release: 'r1',
    created_at: '2026-11-21T00:00:00.000Z',
    model_version: 'm1',
    rules_version: 'rules1',
    config: {
      tenant,
      surfaces: [
        { id: 'home_feed', kind: 'personalized' },
        { id: 'related_items', kind: 'item_anchored' },
      ],
    },
    catalog: Object.fromEntries(ids.map((id, i) => [id, { categories: [`c${i % 4}`] }])),
    catalog_shards: 3,
    denylist: [],
    rules: { default: { version: 'rules1', eligibility: { exclude_seen: true }, rerank: {} } },
    popular: [
      { surface: 'home_feed', slate: slate(ids.slice(0, 30), 'popular') },
      { surface: 'related_items', slate: slate(ids.slice(0, 30), 'popular') },
    ],
    user_slates: [
      { surface: 'home_feed', user_id: 'u1', slate: slate(['i31', 'i32', 'i33', 'i34', 'i35']) },
    ],
    anchored_slates: [
      { surface: 'related_items', item_id: 'i1', slate: slate(['i1', 'i36', 'i37', 'i38']) },
    ],
    segments: [
      {
        surface: 'home_feed',
        mode: 'personalized',
        segment: 'seg-a',
        slate: slate(['i39', 'i40']),
      },
      {
        surface: 'home_feed',
        mode: 'contextual_only',
        segment: 'country.FR',
        slate: slate(['i20', 'i21']),
      },
    ],
    ...over,
  }
}

/** An env whose Upstash URL points elsewhere (down, or a server that never answers). */
export const envWith = (over: Partial<Env>): Env => ({ ...(env as Env), ...over })
