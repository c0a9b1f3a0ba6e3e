import { Hono } from 'hono'
import type { AppEnv } from './app-env'
import type { ReleaseManager } from './artifacts/release-manager'
import { errorResponse, ScorerError } from './errors'
import type { KillSwitchReader } from './kill-switches/kill-switch-reader'
import type { Logger } from './log'
import type { ScorerMetrics } from './metrics/scorer-metrics'
import { requestId } from './middleware/request-id'
import { requestMetrics } from './middleware/request-metrics'
import { serviceAuth } from './middleware/service-auth'
import { healthRoutes } from './routes/health'
import { metricsRoutes } from './routes/metrics'
import { rankRoutes } from './routes/rank'

export interface ScorerAppDeps {
  token: string
  releases: ReleaseManager
  metrics: ScorerMetrics
  killSwitches: KillSwitchReader
  defaultDeadlineMs: number
  log: Logger
}

/**
 * The scorer's HTTP app: `/v1/*` and `/metrics` (its labels name every tenant and release) behind the service token;
 * `/healthz` answers its status to anyone and its tenants only with the token.
 */
export function createScorerApp(deps: ScorerAppDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requestId(), requestMetrics(deps))
  app.use('/v1/*', serviceAuth(deps))
  app.use('/metrics', serviceAuth(deps))
  app.route('/', rankRoutes(deps))
  app.route('/', healthRoutes(deps))
  app.route('/', metricsRoutes(deps))
  app.notFound((c) => errorResponse(c, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`))
  app.onError((e, c) => {
    if (e instanceof ScorerError) return errorResponse(c, e.code, e.message, e.scope)
    deps.log('request failed', { request_id: c.get('requestId'), error: String(e) })
    return errorResponse(c, 'INTERNAL', 'internal error')
  })
  return app
}
