import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { runPipeline } from '../../pipeline/run'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { body, errorResponses, json, security } from '../openapi-helpers'
import { runLong } from '../progress'

export const pipelineRoutes = new OpenAPIHono<ApiEnv>().openapi(
  createRoute({
    method: 'post',
    path: '/v1/tenants/{tenant}/pipeline/run',
    tags: ['pipeline'],
    summary:
      'Run the pipeline on a dataset: catalog, artifacts, register, and publish when asked. Accept: application/x-ndjson streams progress.',
    security,
    middleware: [requires('pipeline.run')] as const,
    request: {
      params: z.object({ tenant: z.string() }),
      body: body(
        z.object({
          dataset: z
            .union([
              z.literal('synthetic'),
              z.templateLiteral(['movielens:', z.string().min(1)]),
              z.templateLiteral(['log:', z.string().min(1)]),
            ])
            .default('synthetic')
            .describe(
              '`synthetic`, `movielens:<dir>` (a MovieLens folder the control plane can read), or `log:<dir>` ' +
                "(an event-log directory the control plane can read: the tenant's events under <dir>/<tenant>/, " +
                'items from its catalog)',
            ),
          seed: z.number().int().optional(),
          items: z.number().int().min(10).max(200_000).optional(),
          users: z.number().int().min(1).max(1_000_000).optional(),
          interactions_per_user: z
            .number()
            .int()
            .min(1)
            .max(1000)
            .optional()
            .describe('synthetic only: mean interactions per user (default 30)'),
          publish: z.boolean().default(false),
          reason: z.string().min(1).default('pipeline run'),
        }),
      ),
    },
    responses: {
      200: json(z.record(z.string(), z.unknown()), 'The run report'),
      ...errorResponses,
    },
  }),
  (c) =>
    runLong(c, 200, (progress) =>
      runPipeline(
        { ...c.var.services, progress },
        {
          ...c.req.valid('json'),
          tenant: c.req.valid('param').tenant,
          actor: c.var.actor,
          request_id: c.var.request_id,
        },
      ),
    ) as never,
)
