import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { disableOperator, rotateOperatorToken } from '../../operators/lifecycle'
import {
  DEFAULT_OPERATOR_TOKEN_TTL_MS,
  ROLES,
  createOperator,
  listOperators,
} from '../../operators/service'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { fail } from '../errors'
import { body, errorResponses, FreeText, json, Reason, security } from '../openapi-helpers'

const Any = z.record(z.string(), z.unknown())
const OperatorParam = z.object({ id: z.string() })
const ExpiresInDays = z
  .number()
  .int()
  .min(1)
  .max(3650)
  .optional()
  .describe('days the token signs in (default: the control plane’s, 90 unless configured)')
const Conflict = {
  409: {
    ...errorResponses[400],
    description: 'Already disabled, the last enabled admin, or disabled (rotate)',
  },
}

/** When a token made now expires: `days` when given, else the configured default. */
const expiry = (ttlMs: number | undefined, days: number | undefined) =>
  new Date(
    Date.now() +
      (days !== undefined ? days * 86_400_000 : (ttlMs ?? DEFAULT_OPERATOR_TOKEN_TTL_MS)),
  )

/** Operators: create (with a token that expires), list, who am I, disable, rotate. */
export const operatorRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/operators',
      tags: ['operators'],
      summary: 'Create an operator with a role; the bearer token is shown once and expires',
      security,
      middleware: [requires('operator.write')] as const,
      request: {
        body: body(
          z.object({
            id: z.string(),
            name: FreeText.optional(),
            role: z.enum(ROLES as ['viewer', 'operator', 'sre', 'admin']),
            expires_in_days: ExpiresInDays,
            reason: Reason.default('create operator'),
          }),
        ),
      },
      responses: { 201: json(Any, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { expires_in_days, ...b } = c.req.valid('json')
      const r = await createOperator(c.var.services.db, {
        ...b,
        expires_at: expiry(c.var.services.operatorTokenTtlMs, expires_in_days),
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, 'BAD_REQUEST', r.error) as never
      return c.json(r.value, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/operators',
      tags: ['operators'],
      summary: 'List operators (never their tokens), with disabled and expires_at',
      security,
      middleware: [requires('read')] as const,
      responses: {
        200: json(z.object({ operators: z.array(Any) }), 'Operators'),
        ...errorResponses,
      },
    }),
    async (c) => c.json({ operators: await listOperators(c.var.services.db) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/operators/{id}/disable',
      tags: ['operators'],
      summary: 'Disable an operator: its token is refused from the next request on (audited)',
      security,
      middleware: [requires('operator.write')] as const,
      request: { params: OperatorParam, body: body(z.object({ reason: Reason })) },
      responses: { 200: json(Any, 'Disabled'), ...errorResponses, ...Conflict },
    }),
    async (c) => {
      const r = await disableOperator(c.var.services.db, {
        id: c.req.valid('param').id,
        reason: c.req.valid('json').reason,
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/operators/{id}/rotate',
      tags: ['operators'],
      summary:
        'Give an operator a new token (shown once) and a new expiry; the old token is refused from the next request on (audited)',
      security,
      middleware: [requires('operator.write')] as const,
      request: {
        params: OperatorParam,
        body: body(z.object({ expires_in_days: ExpiresInDays, reason: Reason })),
      },
      responses: {
        200: json(Any, 'Rotated; the token is shown once'),
        ...errorResponses,
        ...Conflict,
      },
    }),
    async (c) => {
      const { expires_in_days, reason } = c.req.valid('json')
      const r = await rotateOperatorToken(c.var.services.db, {
        id: c.req.valid('param').id,
        expires_at: expiry(c.var.services.operatorTokenTtlMs, expires_in_days),
        reason,
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['operators'],
      summary: 'Who the token belongs to',
      security,
      middleware: [requires('read')] as const,
      responses: {
        200: json(z.object({ id: z.string(), role: z.string() }), 'The caller'),
        ...errorResponses,
      },
    }),
    (c) => c.json(c.var.actor, 200),
  )
