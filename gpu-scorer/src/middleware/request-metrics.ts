import type { MiddlewareHandler } from 'hono'
import type { ScorerMetrics } from '../metrics/scorer-metrics'

/** Observes every request's latency by route (the matched pattern) and status. */
export const requestMetrics = ({ metrics }: { metrics: ScorerMetrics }): MiddlewareHandler =>
  async function requestMetrics(c, next) {
    const t0 = performance.now()
    await next()
    metrics.requestMs.observe(
      { route: c.req.routePath || 'unmatched', status: String(c.res.status) },
      performance.now() - t0,
    )
  }
