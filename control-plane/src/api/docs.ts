import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { swaggerUI } from '@hono/swagger-ui'
import { Hono } from 'hono'
import type { ApiEnv } from './context'

/** The installed swagger-ui-dist: the page's script and styles come from here, never from a CDN. */
const DIST = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))

/** The files the page loads (`<base>/swagger-ui-dist/<file>`, as @hono/swagger-ui names them), and their types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
}

/**
 * Operators paste their bearer tokens into this page, so it runs only code served by this control plane: its
 * scripts and styles from the installed package, and a CSP that allows nothing from elsewhere (the one inline
 * script is @hono/swagger-ui's SwaggerUIBundle call).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

/** `GET /docs` (Swagger UI on `/v1/openapi.json`) and its assets under `/docs/swagger-ui-dist/`. */
export const docsRoutes = new Hono<ApiEnv>()
  .get('/docs', async (c, next) => {
    c.header('content-security-policy', CSP)
    c.header('x-content-type-options', 'nosniff')
    return swaggerUI<ApiEnv>({
      url: '/v1/openapi.json',
      baseUrl: '/docs',
      title: 'recsys control plane',
    })(c, next)
  })
  .get('/docs/swagger-ui-dist/:file', async (c) => {
    const file = c.req.param('file')
    if (!Object.hasOwn(ASSETS, file)) return c.notFound()
    const bytes = await readFile(path.join(DIST, file))
    return c.body(bytes, 200, {
      'content-type': ASSETS[file]!,
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
    })
  })
