import { Hono } from 'hono'
import type { ReleaseManager } from '../artifacts/release-manager'

/**
 * `GET /healthz`: 200 `{status: "ready", tenants}` only when every known tenant has a model loaded and warmed;
 * else 503 `{status: "loading" | "no_tenants", tenants}` (a tenant without a release maps to null).
 */
export const healthRoutes = ({ releases }: { releases: ReleaseManager }) =>
  new Hono().get('/healthz', (c) => {
    const tenants: Record<string, { release: string; model_version: string } | null> = {}
    for (const t of releases.tenants) {
      const r = releases.current(t)
      tenants[t] = r ? { release: r.release, model_version: r.model_version } : null
    }
    if (releases.ready) return c.json({ status: 'ready', tenants })
    const status = releases.tenants.length === 0 ? 'no_tenants' : 'loading'
    return c.json({ status, tenants }, 503)
  })
