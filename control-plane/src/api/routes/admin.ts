import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { and, desc, eq, gte, like, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { auditLog } from '../../db/schema/index'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { errorResponses, json, security } from '../openapi-helpers'

const Any = z.record(z.string(), z.unknown())

/** The audit log. */
export const adminRoutes = new OpenAPIHono<ApiEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/v1/audit',
    tags: ['audit'],
    summary: 'Query the audit log, newest first',
    security,
    middleware: [requires('read')] as const,
    request: {
      query: z.object({
        tenant: z.string().optional(),
        actor: z.string().optional(),
        action: z
          .string()
          .optional()
          .describe('exact, or a prefix ending in * (e.g. kill_switch.*)'),
        since: z.string().datetime({ offset: true }).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    responses: {
      200: json(z.object({ entries: z.array(Any) }), 'Audit rows'),
      ...errorResponses,
    },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const conds: SQL[] = []
    if (q.tenant) conds.push(eq(auditLog.tenant_id, q.tenant))
    if (q.actor) conds.push(eq(auditLog.actor, q.actor))
    if (q.action)
      conds.push(
        q.action.endsWith('*')
          ? like(auditLog.action, `${q.action.slice(0, -1)}%`)
          : eq(auditLog.action, q.action),
      )
    if (q.since) conds.push(gte(auditLog.at, new Date(q.since)))
    const entries = await c.var.services.db
      .select()
      .from(auditLog)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(q.limit)
    return c.json({ entries }, 200)
  },
)
