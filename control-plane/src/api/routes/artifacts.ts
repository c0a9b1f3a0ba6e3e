import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { ArtifactKind, jsonDepthAtMost } from '@recsys/shared'
import { z } from 'zod'
import { findVersion, listVersions, registerArtifact } from '../../registry/register'
import { requires } from '../auth'
import { limitBody } from '../body-limit'
import type { ApiEnv } from '../context'
import { fail } from '../errors'
import { errorResponses, json, Reason, security } from '../openapi-helpers'

const Version = z.record(z.string(), z.unknown()).meta({ id: 'ArtifactVersion' })

/** How deep the metadata may nest: it is stored as jsonb, and stringifying a deeper value exhausts the stack. */
const METADATA_MAX_DEPTH = 32

/** Reads the metadata header: JSON, or base64url-encoded JSON for values a header cannot carry. */
function metadataHeader(v: string | undefined): Record<string, unknown> | string {
  if (!v) return {}
  for (const text of [v, Buffer.from(v, 'base64url').toString('utf8')])
    try {
      const doc = JSON.parse(text) as unknown
      if (doc && typeof doc === 'object' && !Array.isArray(doc))
        return jsonDepthAtMost(doc, METADATA_MAX_DEPTH)
          ? (doc as Record<string, unknown>)
          : `x-artifact-metadata nests deeper than ${METADATA_MAX_DEPTH} levels`
    } catch {
      /* next form */
    }
  return 'x-artifact-metadata must be a JSON object (plain or base64url)'
}

export const artifactRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/artifacts/{kind}/{name}',
      tags: ['artifacts'],
      summary:
        'Register artifact bytes (schema gate first; same bytes and metadata → same version). Metadata in the x-artifact-metadata header.',
      security,
      // After the role check, so a caller who may not register is refused before any byte is read.
      middleware: [requires('artifact.write'), limitBody((l) => l.artifactBytes)] as const,
      request: {
        params: z.object({ tenant: z.string(), kind: ArtifactKind, name: z.string() }),
        query: z.object({ reason: Reason.default('register') }),
        headers: z.object({ 'x-artifact-metadata': z.string().optional() }),
        body: {
          required: true,
          content: {
            'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) },
          },
        },
      },
      responses: {
        201: json(z.object({ created: z.literal(true), version: Version }), 'A new version'),
        200: json(
          z.object({ created: z.literal(false), version: Version }),
          'Known bytes: the existing version',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { tenant, kind, name } = c.req.valid('param')
      const metadata = metadataHeader(c.req.header('x-artifact-metadata'))
      if (typeof metadata === 'string') return fail(c, 'BAD_REQUEST', metadata) as never
      const bytes = new Uint8Array(await c.req.arrayBuffer())
      const r = await registerArtifact(c.var.services, {
        tenant,
        kind,
        name,
        bytes,
        metadata,
        actor: c.var.actor,
        reason: c.req.valid('query').reason,
        request_id: c.var.request_id,
      })
      if (!r.ok)
        return fail(
          c,
          r.error.code,
          r.error.message,
          'gate' in r.error ? r.error.gate : undefined,
        ) as never
      return r.value.created
        ? c.json({ created: true as const, version: r.value.version }, 201)
        : c.json({ created: false as const, version: r.value.version }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/artifacts',
      tags: ['artifacts'],
      summary: 'List artifact versions, newest first',
      security,
      middleware: [requires('read')] as const,
      request: {
        params: z.object({ tenant: z.string() }),
        query: z.object({
          kind: ArtifactKind.optional(),
          name: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
      responses: {
        200: json(z.object({ versions: z.array(Version) }), 'Versions'),
        ...errorResponses,
      },
    }),
    async (c) =>
      c.json(
        {
          versions: await listVersions(c.var.services.db, {
            tenant: c.req.valid('param').tenant,
            ...c.req.valid('query'),
          }),
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/artifacts/versions/{ref}',
      tags: ['artifacts'],
      summary: 'One version, by id or SHA-256 prefix (≥ 8 characters)',
      security,
      middleware: [requires('read')] as const,
      request: { params: z.object({ tenant: z.string(), ref: z.string() }) },
      responses: { 200: json(Version, 'The version'), ...errorResponses },
    }),
    async (c) => {
      const { tenant, ref } = c.req.valid('param')
      const v = await findVersion(c.var.services.db, tenant, ref)
      if (!v) return fail(c, 'NOT_FOUND', `no version ${ref} of ${tenant}`) as never
      return c.json(v, 200)
    },
  )
