import { err, Id } from '@recsys/shared'
import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { rollbackRelease } from '../../publish/publish'
import { listReleases, publishFromRegistry, showRelease } from '../../release/service'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { fail } from '../errors'
import { body, errorResponses, json, Reason, security } from '../openapi-helpers'
import { runLong } from '../progress'

const TenantParam = z.object({ tenant: z.string() })
const Any = z.record(z.string(), z.unknown())

export const releaseRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/releases',
      tags: ['releases'],
      summary:
        'Assemble a release from the registry (every gate, then champion vs challenger), then publish it atomically. Accept: application/x-ndjson streams progress.',
      security,
      middleware: [requires('release.publish')] as const,
      request: {
        params: TenantParam,
        body: body(
          z.object({
            release: Id.optional(),
            versions: z.array(z.string()).optional().describe('version ids or SHA-256 prefixes'),
            slate_bounds: z
              .object({ min: z.number().int().min(0), max: z.number().int().min(1) })
              .optional(),
            dry_run: z.boolean().default(false),
            force: z
              .boolean()
              .default(false)
              .describe(
                "publish even when the model's recorded NDCG@10 is more than 2 % below the live release's; audited",
              ),
            reason: Reason,
          }),
        ),
      },
      responses: { 201: json(Any, 'Published (or, with dry_run, checked)'), ...errorResponses },
    }),
    (c) =>
      runLong(c, 201, async (progress) => {
        const r = await publishFromRegistry(
          { ...c.var.services, progress },
          {
            ...c.req.valid('json'),
            tenant: c.req.valid('param').tenant,
            actor: c.var.actor,
            request_id: c.var.request_id,
          },
        )
        // Gate failures are the error's details on the wire.
        return r.ok ? r : err({ ...r.error, details: r.error.failures })
      }) as never,
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/releases/rollback',
      tags: ['releases'],
      summary: 'Roll back to the previous release (or to `to`): one pointer flip',
      security,
      middleware: [requires('release.rollback')] as const,
      request: {
        params: TenantParam,
        body: body(z.object({ to: Id.optional(), reason: Reason })),
      },
      responses: { 200: json(Any, 'Rolled back'), ...errorResponses },
    }),
    async (c) => {
      const r = await rollbackRelease(c.var.services, {
        tenant: c.req.valid('param').tenant,
        ...c.req.valid('json'),
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok)
        return fail(
          c,
          r.error.code === 'unknown_release' ? 'NOT_FOUND' : 'BAD_REQUEST',
          r.error.message,
        ) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/releases',
      tags: ['releases'],
      summary: 'Releases (newest first), the live one, and the pointer history',
      security,
      middleware: [requires('read')] as const,
      request: { params: TenantParam },
      responses: { 200: json(Any, 'Releases'), ...errorResponses },
    }),
    async (c) => c.json(await listReleases(c.var.services.db, c.req.valid('param').tenant), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/releases/{release}',
      tags: ['releases'],
      summary: 'One release: manifest and artifact versions',
      security,
      middleware: [requires('read')] as const,
      request: { params: z.object({ tenant: z.string(), release: z.string() }) },
      responses: { 200: json(Any, 'The release'), ...errorResponses },
    }),
    async (c) => {
      const { tenant, release } = c.req.valid('param')
      const r = await showRelease(c.var.services.db, tenant, release)
      if (!r) return fail(c, 'NOT_FOUND', `release ${release} of ${tenant} does not exist`) as never
      return c.json(r, 200)
    },
  )
