import { randomUUID } from 'node:crypto'
import { OpenAPIHono } from '@hono/zod-openapi'
import { saneRequestId, type ErrorCode } from '@recsys/shared'
import { HTTPException } from 'hono/http-exception'
import { bearerAuth } from './auth'
import { limitJsonBodies } from './body-limit'
import type { ApiEnv, ControlPlaneServices } from './context'
import { docsRoutes } from './docs'
import { fail, loggableError } from './errors'
import { adminRoutes } from './routes/admin'
import { artifactRoutes } from './routes/artifacts'
import { catalogRoutes } from './routes/catalog'
import { operatorRoutes } from './routes/operators'
import { pipelineRoutes } from './routes/pipeline'
import { releaseRoutes } from './routes/releases'
import { safetyRoutes } from './routes/safety'
import { tenantRoutes } from './routes/tenants'

export const API_VERSION = '0.1.0'

/** The envelope code of a 4xx that Hono raised itself (415 and the like are BAD_REQUEST). */
const CLIENT_CODES: Record<number, ErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
}
const clientCode = (status: number): ErrorCode => CLIENT_CODES[status] ?? 'BAD_REQUEST'

/** Routes that read their body under a limit of their own: catalog imports (streamed) and artifact bytes. */
const OWN_BODY_LIMIT = /^\/v1\/tenants\/[^/]+\/(catalog|artifacts\/[^/]+\/[^/]+)$/
const ownBodyLimit = (method: string, path: string) =>
  method === 'POST' && OWN_BODY_LIMIT.test(path)

/**
 * The operator API (docs/control-plane.md#operator-api): Hono with @hono/zod-openapi, so every route's schema is its
 * documentation. `/v1/health`, `/v1/openapi.json` and `/docs` are open; everything else needs an operator bearer
 * token, and every body has a size limit (`limits.ts`).
 */
export function createOperatorApp(services: ControlPlaneServices) {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success)
        return fail(
          c as never,
          'BAD_REQUEST',
          result.error.issues
            .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
            .join('; '),
        )
    },
  })
  app.use('*', async (c, next) => {
    const t0 = performance.now()
    // Kept only when it is sane (as the edge does): it is echoed, logged and written into audit rows.
    c.set('request_id', saneRequestId(c.req.header('x-request-id')) ?? randomUUID())
    c.set('services', services)
    c.header('x-request-id', c.var.request_id)
    await next()
    services.log?.({
      msg: 'request',
      request_id: c.var.request_id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      actor: c.var.actor?.id,
      ms: Math.round((performance.now() - t0) * 10) / 10,
    })
  })
  app.onError((e, c) => {
    // Hono's own refusals of the request (malformed JSON, a body that is not JSON) are the client's error.
    if (e instanceof HTTPException && e.status < 500)
      return fail(c, clientCode(e.status), e.message)
    services.log?.({ msg: 'error', request_id: c.var.request_id, ...loggableError(e) })
    return fail(c, 'INTERNAL', 'internal error; see the control-plane log for this request_id')
  })
  app.notFound((c) => fail(c, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`))

  app.get('/v1/health', (c) => c.json({ status: 'ok', version: API_VERSION }))
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'recsys control plane',
      version: API_VERSION,
      description:
        'Operator API: tenants, catalog, artifacts, releases, kill switches, tombstones, audit.',
    },
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An operator token (roles viewer, operator, sre, admin)',
  })
  app.route('/', docsRoutes)

  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/health' || c.req.path === '/v1/openapi.json') return next()
    return bearerAuth()(c, next)
  })
  app.use('/v1/*', limitJsonBodies({ own: ownBodyLimit }))
  app.route('/', tenantRoutes)
  app.route('/', catalogRoutes)
  app.route('/', artifactRoutes)
  app.route('/', releaseRoutes)
  app.route('/', safetyRoutes)
  app.route('/', pipelineRoutes)
  app.route('/', operatorRoutes)
  app.route('/', adminRoutes)
  return app
}
