import { Hono } from 'hono'
import type { HealthResponse } from '@recsys/shared'
import type { AppEnv } from '../app-env'

/** `GET /v1/health`: no auth; checks the edge store and user state, never tenant data. */
export const health = new Hono<AppEnv>().get('/', async (c) => {
  const { state } = c.var.services
  const checks: HealthResponse['checks'] = {}
  const [kv, redis] = await Promise.allSettled([c.env.EDGE_KV.get('health:probe'), state.ping()])
  checks.edge_store =
    kv.status === 'fulfilled' ? { status: 'ok' } : { status: 'down', detail: String(kv.reason) }
  checks.user_state =
    redis.status === 'fulfilled' && redis.value
      ? { status: 'ok' }
      : { status: 'down', detail: 'Upstash did not answer PING in time' }
  const status = Object.values(checks).every((x) => x.status === 'ok') ? 'ok' : 'degraded'
  return c.json({ status, checks } satisfies HealthResponse)
})
