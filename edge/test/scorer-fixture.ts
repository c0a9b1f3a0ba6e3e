import { env } from 'cloudflare:workers'
import { inject } from 'vitest'
import { redisKeys, type ReleaseSpec } from '@recsys/shared'
import type { Fault } from './scorer-proxy'
import { envWith, redis, slate } from './fixtures'

/** The real scorer started by the global setup, and the fault proxy's lanes in front of it. */
export const fx = inject('scorer')

/** Sets the fault of a lane of the proxy and returns an env whose SCORER_URL is that lane. */
export async function lane(
  name: string,
  fault: Fault = { mode: 'pass' },
  over: { failures?: number; pauseMs?: number; url?: string } = {},
) {
  const res = await fetch(`${fx.proxyUrl}/__lanes/${name}`, {
    method: 'PUT',
    body: JSON.stringify(fault),
  })
  if (res.status !== 200) throw new Error(`proxy refused lane ${name}: ${res.status}`)
  return envWith({
    SCORER_URL: over.url ?? `${fx.proxyUrl}/${name}`,
    SCORER_TOKEN: fx.token,
    SCORER_BREAKER_FAILURES: String(over.failures ?? 5),
    SCORER_BREAKER_PAUSE_MS: String(over.pauseMs ?? 5000),
  })
}

/** How many requests reached a lane of the proxy, and the last one (body and headers). */
export async function laneStats(name: string) {
  const res = await fetch(`${fx.proxyUrl}/__lanes/${name}`)
  return (await res.json()) as {
    requests: number
    last?: { body: any; headers: Record<string, string> }
  }
}

const items = Object.keys(fx.catalog)

/**
 * The surfaces' deadline: generous, so that a healthy scorer answers within it on a loaded two-core machine (the
 * tests share it with other work); "slower than the deadline" is a delay far past it.
 */
export const DEADLINE_MS = 3000

/** An edge release for the scorer's tenant: the scorer's catalog (traps included) and denylist. */
export function scorerSpec(over: Partial<ReleaseSpec> = {}): ReleaseSpec {
  const surfaces = [
    { id: 'home_feed', kind: 'personalized' as const, deadline_ms: DEADLINE_MS },
    { id: 'related_items', kind: 'item_anchored' as const, deadline_ms: DEADLINE_MS },
  ]
  return {
    tenant: fx.tenant,
    release: 'r1',
    created_at: '2026-11-21T00:00:00.000Z',
    model_version: 'm1',
    rules_version: 'rules1',
    config: { tenant: fx.tenant, surfaces },
    catalog: fx.catalog,
    catalog_shards: 4,
    denylist: fx.denylist,
    rules: { default: { version: 'rules1', eligibility: { exclude_seen: true }, rerank: {} } },
    popular: surfaces.map((s) => ({ surface: s.id, slate: slate(items.slice(0, 60), 'popular') })),
    user_slates: fx.users.map((u, k) => ({
      surface: 'home_feed',
      user_id: u,
      slate: slate(items.slice(100 + k, 130 + k)),
    })),
    anchored_slates: [],
    segments: [],
    ...over,
  }
}

/** Recent items of a user, newest first, as the events path writes them. */
export async function seedRecent(tenant: string, userId: string, ids: string[]) {
  const key = redisKeys.recent(tenant, `u.${userId}`)
  await redis().del(key)
  await redis().rpush(key, ...(ids as [string]))
}

/** ONNX bytes of the fixture's edge model. */
export const edgeModelBytes = () =>
  Uint8Array.from(atob(fx.edgeModel.base64), (c) => c.charCodeAt(0))

export const artifacts = () => env.ARTIFACT_BUCKET
