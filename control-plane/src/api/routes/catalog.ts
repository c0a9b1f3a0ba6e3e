import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { countItems, importCatalog, listCatalog } from '../../catalog/service'
import { requires } from '../auth'
import { readCatalogBody } from '../catalog-body'
import type { ApiEnv } from '../context'
import { fail } from '../errors'
import { limitsOf } from '../limits'
import { errorResponses, json, Reason, security } from '../openapi-helpers'

const TenantParam = z.object({ tenant: z.string() })

export const catalogRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/catalog',
      tags: ['catalog'],
      summary:
        'Import (upsert) catalog items: JSON {"items": [...]} or NDJSON, all or nothing. The body is read as it streams in, up to its own limit (default 64 MiB): larger catalogs are imported in several requests.',
      security,
      middleware: [requires('catalog.write')] as const,
      request: {
        params: TenantParam,
        query: z.object({ reason: Reason.default('catalog import') }),
        body: {
          required: true,
          content: {
            // A plain OpenAPI schema, not zod: with a zod one the JSON validator also runs on NDJSON bodies
            // (it sees `{}` and refuses them). The handler parses both forms itself.
            'application/json': {
              schema: {
                type: 'object',
                required: ['items'],
                properties: { items: { type: 'array', items: { type: 'object' } } },
              },
            },
            'application/x-ndjson': { schema: z.string() },
          },
        },
      },
      responses: {
        200: json(
          z.object({ tenant: z.string(), upserted: z.number(), total: z.number() }),
          'Imported',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = await readCatalogBody(c.req.raw, limitsOf(c.var.services.limits).catalogBytes)
      if (!body.ok) return fail(c, body.error.code, body.error.message) as never
      const r = await importCatalog(c.var.services.db, {
        tenant: c.req.valid('param').tenant,
        items: body.value,
        actor: c.var.actor,
        reason: c.req.valid('query').reason,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message, r.error.offending) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/catalog',
      tags: ['catalog'],
      summary: 'Page through catalog items',
      security,
      middleware: [requires('read')] as const,
      request: {
        params: TenantParam,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: {
        200: json(
          z.object({ total: z.number(), items: z.array(z.record(z.string(), z.unknown())) }),
          'Items',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { tenant } = c.req.valid('param')
      const { limit, offset } = c.req.valid('query')
      const db = c.var.services.db
      return c.json(
        {
          total: await countItems(db, tenant),
          items: await listCatalog(db, tenant, limit, offset),
        },
        200,
      )
    },
  )
