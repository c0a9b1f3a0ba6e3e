import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { runEvaluation } from '../../pipeline/eval-run'
import { runPipeline } from '../../pipeline/run'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { ApiError, fail } from '../errors'
import { body, errorResponses, json, security } from '../openapi-helpers'
import { runLong } from '../progress'

const TenantParam = z.object({ tenant: z.string() })

/** Where the pipeline's data comes from; `recsys eval` takes the same fields. */
const DatasetFields = {
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
  split: z
    .enum(['temporal', 'random'])
    .default('temporal')
    .describe(
      "the evaluation's split: `temporal` holds out each user's last 5 items, `random` a seeded random 25 % of " +
        "each user's items (seed 42)",
    ),
  tune_als: z
    .boolean()
    .default(false)
    .describe("search ALS's settings on a validation split of the train side before evaluating"),
}

export const pipelineRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/pipeline/run',
      tags: ['pipeline'],
      summary:
        'Run the pipeline on a dataset: catalog, offline evaluation, artifacts, register, and publish when asked (champion gate first). Accept: application/x-ndjson streams progress.',
      security,
      middleware: [requires('pipeline.run')] as const,
      request: {
        params: TenantParam,
        body: body(
          z.object({
            ...DatasetFields,
            publish: z.boolean().default(false),
            force: z
              .boolean()
              .default(false)
              .describe(
                'publish even when the challenger NDCG@10 is more than 2 % below the live release; needs `reason`, audited',
              ),
            reason: z
              .string()
              .min(1)
              .optional()
              .describe('why (audit log); default "pipeline run"; required with `force`'),
          }),
        ),
      },
      responses: {
        200: json(
          z.record(z.string(), z.unknown()),
          'The run report, with `evaluation` (the offline evaluation report) and `champion` (the gate decision)',
        ),
        ...errorResponses,
        409: {
          description:
            'The champion gate refused the publish (CHAMPION_REGRESSION in the message; the decision in `details`)',
          content: { 'application/json': { schema: ApiError } },
        },
      },
    }),
    (c) => {
      const { reason, ...rest } = c.req.valid('json')
      if (rest.force && !reason)
        return fail(c, 'BAD_REQUEST', 'force needs a reason: it is kept in the audit log') as never
      return runLong(c, 200, (progress) =>
        runPipeline(
          { ...c.var.services, progress },
          {
            ...rest,
            reason: reason ?? 'pipeline run',
            tenant: c.req.valid('param').tenant,
            actor: c.var.actor,
            request_id: c.var.request_id,
          },
        ),
      ) as never
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/pipeline/eval',
      tags: ['pipeline'],
      summary:
        'Offline evaluation of the pipeline on a dataset (held-out split, every model against popularity) and what the champion gate would decide against the live release; registers and writes nothing. Accept: application/x-ndjson streams progress.',
      security,
      middleware: [requires('pipeline.run')] as const,
      request: { params: TenantParam, body: body(z.object(DatasetFields)) },
      responses: {
        200: json(
          z.object({
            evaluation: z.record(z.string(), z.unknown()).describe('The evaluation report'),
            champion: z.record(z.string(), z.unknown()).describe('What a publish would decide'),
            ms: z.number(),
          }),
          'The evaluation report and the gate decision',
        ),
        ...errorResponses,
      },
    }),
    (c) =>
      runLong(c, 200, (progress) =>
        runEvaluation(
          { db: c.var.services.db, progress },
          { ...c.req.valid('json'), tenant: c.req.valid('param').tenant },
        ),
      ) as never,
  )
