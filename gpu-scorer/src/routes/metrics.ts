import { Hono } from 'hono'
import type { ScorerMetrics } from '../metrics/scorer-metrics'

/** `GET /metrics`: Prometheus text format. */
export const metricsRoutes = ({ metrics }: { metrics: ScorerMetrics }) =>
  new Hono().get('/metrics', async (c) =>
    c.body(await metrics.text(), 200, { 'content-type': metrics.registry.contentType }),
  )
