import { Hono } from 'hono'
import type { ReleaseManager } from '../artifacts/release-manager'
import { serviceTokenCheck } from '../middleware/service-auth'

/**
 * `GET /healthz`: 200 `{status: "ready"}` only when every known tenant has a model loaded and warmed; else 503
 * `{status: "loading" | "no_tenants"}`. With the service token it also lists `tenants` (id → live release and model
 * version, null while none is loaded).
 * @note Without the token it says nothing but the status, which is all a load balancer's probe needs: the list of
 * tenants and releases is for operators and the services that hold the token.
 */
export const healthRoutes = ({ releases, token }: { releases: ReleaseManager; token: string }) => {
  const authorized = serviceTokenCheck(token)
  return new Hono().get('/healthz', (c) => {
    const status = releases.ready
      ? 'ready'
      : releases.tenants.length === 0
        ? 'no_tenants'
        : 'loading'
    const code = status === 'ready' ? 200 : 503
    if (!authorized(c)) return c.json({ status }, code)
    const tenants = Object.create(null) as Record<
      string,
      { release: string; model_version: string } | null
    >
    for (const t of releases.tenants) {
      const r = releases.current(t)
      tenants[t] = r ? { release: r.release, model_version: r.model_version } : null
    }
    return c.json({ status, tenants }, code)
  })
}
