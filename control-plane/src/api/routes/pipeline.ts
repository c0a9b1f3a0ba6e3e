import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { z } from 'zod'
import { runEvaluation } from '../../pipeline/eval-run'
import { confineDataset } from '../../pipeline/load-dataset'
import { runPipeline } from '../../pipeline/run'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { ApiError, fail } from '../errors'
import { limitsOf } from '../limits'
import { body, errorResponses, json, Reason, security } from '../openapi-helpers'
import { runLong } from '../progress'

const TenantParam = z.object({ tenant: z.string() })

/** The synthetic dataset's sizes when a request leaves them out (`syntheticDataset`'s defaults). */
const SYNTHETIC_DEFAULTS = { users: 500, interactions_per_user: 30 }

interface DatasetRequest {
  dataset: string
  users?: number
  interactions_per_user?: number
}

/**
 * What the API refuses to start, before anything runs: a dataset folder outside the configured roots, or a
 * synthetic dataset larger than `limits.pipelineInteractions` (the run holds it all in the control plane's
 * memory, beside the requests it serves). Returns the request with the dataset folder as a real absolute path.
 */
async function checkDataset<T extends DatasetRequest>(
  c: Context<ApiEnv>,
  body: T,
): Promise<{ ok: true; body: T } | { ok: false; message: string }> {
  const confined = await confineDataset(body.dataset, c.var.services.datasetRoots ?? [])
  if (!confined.ok) return { ok: false, message: confined.error }
  if (body.dataset === 'synthetic') {
    const max = limitsOf(c.var.services.limits).pipelineInteractions
    const users = body.users ?? SYNTHETIC_DEFAULTS.users
    const per = body.interactions_per_user ?? SYNTHETIC_DEFAULTS.interactions_per_user
    if (users * per > max)
      return {
        ok: false,
        message:
          `users × interactions_per_user = ${users * per} is over the API's limit of ${max} synthetic ` +
          'interactions per run: larger runs go to a control plane started for them (a job) with ' +
          'RECSYS_PIPELINE_MAX_INTERACTIONS raised; see docs/security-control-plane.md',
      }
  }
  return { ok: true, body: { ...body, dataset: confined.value } }
}

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
      '`synthetic`, `movielens:<dir>` (a MovieLens folder of the control plane), or `log:<dir>` ' +
        "(an event-log directory of the control plane: the tenant's events under <dir>/<tenant>/, " +
        'items from its catalog). Folders must lie under one of its dataset roots (RECSYS_DATASET_ROOTS).',
    ),
  seed: z.number().int().optional(),
  items: z.number().int().min(10).max(200_000).optional(),
  users: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe(
      'synthetic only (default 500); users × interactions_per_user is capped by the API (default 2,000,000)',
    ),
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
            reason: Reason.optional().describe(
              'why (audit log); default "pipeline run"; required with `force`',
            ),
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
    async (c) => {
      const { reason, ...body } = c.req.valid('json')
      if (body.force && !reason)
        return fail(c, 'BAD_REQUEST', 'force needs a reason: it is kept in the audit log') as never
      const checked = await checkDataset(c, body)
      if (!checked.ok) return fail(c, 'BAD_REQUEST', checked.message) as never
      const rest = checked.body
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
    async (c) => {
      const checked = await checkDataset(c, c.req.valid('json'))
      if (!checked.ok) return fail(c, 'BAD_REQUEST', checked.message) as never
      return runLong(c, 200, (progress) =>
        runEvaluation(
          { db: c.var.services.db, progress },
          { ...checked.body, tenant: c.req.valid('param').tenant },
        ),
      ) as never
    },
  )
