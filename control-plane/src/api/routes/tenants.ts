import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { fail } from '../errors'
import { body, errorResponses, FreeText, json, Reason, security } from '../openapi-helpers'
import {
  createApiKey,
  createTenant,
  ensureApiKey,
  getTenant,
  listApiKeys,
  listTenants,
  revokeApiKey,
} from '../../tenants/service'

const TenantParam = z.object({ tenant: z.string() })
const Any = z.record(z.string(), z.unknown())
/** The edge store did not take the key record: the change was rolled back, so retrying is safe. */
const EdgeDown = {
  503: {
    ...errorResponses[400],
    description: 'The edge store did not take the key; nothing changed',
  },
}

export const tenantRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants',
      tags: ['tenants'],
      summary: 'Create a tenant with surfaces home_feed and related_items and a first API key',
      security,
      middleware: [requires('tenant.write')] as const,
      request: {
        body: body(
          z.object({
            id: z.string(),
            name: FreeText.optional(),
            consent_default: z
              .enum(['personalized', 'contextual_only', 'non_personalized'])
              .optional(),
            permissions: z.array(z.string().max(64)).max(16).optional(),
            reason: Reason.default('create tenant'),
          }),
        ),
      },
      responses: {
        201: json(
          z.object({ tenant: z.string(), api_key: z.string(), key_id: z.string() }),
          'Created; the API key is shown once',
        ),
        ...errorResponses,
        409: errorResponses[400],
        ...EdgeDown,
      },
    }),
    async (c) => {
      const b = c.req.valid('json')
      const r = await createTenant(c.var.services, {
        ...b,
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants',
      tags: ['tenants'],
      summary: 'List tenants with their live release',
      security,
      middleware: [requires('read')] as const,
      responses: { 200: json(z.object({ tenants: z.array(Any) }), 'Tenants'), ...errorResponses },
    }),
    async (c) => c.json({ tenants: await listTenants(c.var.services.db) }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}',
      tags: ['tenants'],
      summary: 'One tenant with its surfaces and live release',
      security,
      middleware: [requires('read')] as const,
      request: { params: TenantParam },
      responses: { 200: json(Any, 'The tenant'), ...errorResponses },
    }),
    async (c) => {
      const t = await getTenant(c.var.services.db, c.req.valid('param').tenant)
      if (!t)
        return fail(c, 'NOT_FOUND', `tenant ${c.req.valid('param').tenant} does not exist`) as never
      return c.json(t, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/keys',
      tags: ['tenants'],
      summary:
        'Create an API key (permissions recommend, events, debug, users; a key for browsers and apps holds recommend and events only)',
      security,
      middleware: [requires('api_key.write')] as const,
      request: {
        params: TenantParam,
        body: body(
          z.object({
            permissions: z.array(z.string().max(64)).max(16).default(['recommend', 'events']),
            api_key: z
              .string()
              .regex(/^rk_[A-Za-z0-9_-]{24,}$/)
              .optional()
              .describe(
                'Bring your own key (imports, local stacks); idempotent. Default: a new random key.',
              ),
            reason: Reason.default('create key'),
          }),
        ),
      },
      responses: {
        201: json(
          z.object({ key_id: z.string(), api_key: z.string(), permissions: z.array(z.string()) }),
          'Created; the key is shown once',
        ),
        ...errorResponses,
        409: {
          ...errorResponses[400],
          description: 'The key belongs to another tenant, or was revoked',
        },
        ...EdgeDown,
      },
    }),
    async (c) => {
      const { api_key, ...b } = c.req.valid('json')
      const tenant = c.req.valid('param').tenant
      const { actor, request_id } = c.var
      if (api_key) {
        const r = await ensureApiKey(c.var.services, { tenant, api_key, ...b, actor, request_id })
        if (!r.ok) return fail(c, r.error.code, r.error.message) as never
        return c.json({ ...r.value, api_key }, 201)
      }
      const r = await createApiKey(c.var.services, { tenant, ...b, actor, request_id })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/keys',
      tags: ['tenants'],
      summary: 'List API keys (never the keys themselves)',
      security,
      middleware: [requires('read')] as const,
      request: { params: TenantParam },
      responses: { 200: json(z.object({ keys: z.array(Any) }), 'Keys'), ...errorResponses },
    }),
    async (c) =>
      c.json({ keys: await listApiKeys(c.var.services.db, c.req.valid('param').tenant) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/keys/{key_id}/revoke',
      tags: ['tenants'],
      summary: 'Revoke an API key (edges refuse it within their 10 s key cache)',
      security,
      middleware: [requires('api_key.write')] as const,
      request: {
        params: z.object({ tenant: z.string(), key_id: z.string() }),
        body: body(z.object({ reason: Reason })),
      },
      responses: { 200: json(Any, 'Revoked'), ...errorResponses, ...EdgeDown },
    }),
    async (c) => {
      const r = await revokeApiKey(c.var.services, {
        ...c.req.valid('param'),
        reason: c.req.valid('json').reason,
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 200)
    },
  )
