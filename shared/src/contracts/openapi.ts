import { z } from 'zod'
import {
  ConsentRequest,
  EventsRequest,
  EventsResponse,
  HealthResponse,
  RecommendationRequest,
  RecommendationResponse,
  TrackedEvent,
} from './api'
import { ErrorEnvelope } from './common'

const json = (schema: z.ZodType) => ({
  content: {
    'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
  },
})
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: 'Error envelope', ...json(ErrorEnvelope) }]),
  )
const bearer = [{ bearer: [] }]

/** The public edge API as an OpenAPI 3.1 document, generated from the zod contracts (docs/api.md). */
export function openApiDocument(serverUrl?: string) {
  return hoistDefs({
    openapi: '3.1.0',
    info: { title: 'recsys edge API', version: '1.0.0' },
    servers: serverUrl ? [{ url: serverUrl }] : [],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Tenant API key' },
      },
      schemas: { Event: z.toJSONSchema(TrackedEvent, { io: 'input', unrepresentable: 'any' }) },
    },
    paths: {
      '/v1/recommendations': {
        post: {
          summary: 'A slate of recommendations for one subject on one surface',
          security: bearer,
          requestBody: { required: true, ...json(RecommendationRequest) },
          responses: {
            '200': { description: 'Slate', ...json(RecommendationResponse) },
            ...errors(400, 401, 403, 404, 413, 503),
          },
        },
        get: {
          summary: 'The same, for simple clients',
          security: bearer,
          parameters: [
            'surface',
            'user_id',
            'anonymous_id',
            'item_id',
            'country',
            'privacy_mode',
            'limit',
            'debug',
          ].map((name) => ({
            name,
            in: 'query',
            required: name === 'surface',
            schema: { type: 'string' },
          })),
          responses: {
            '200': { description: 'Slate', ...json(RecommendationResponse) },
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      '/v1/events': {
        post: {
          summary: 'Up to 500 events; each is accepted, a duplicate, or rejected on its own',
          security: bearer,
          requestBody: { required: true, ...json(EventsRequest) },
          responses: {
            '202': { description: 'Accepted', ...json(EventsResponse) },
            ...errors(400, 401, 403, 413),
          },
        },
      },
      '/v1/users/{user_id}/consent': {
        put: {
          summary: 'Store consent to personalization',
          security: bearer,
          parameters: [{ name: 'user_id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, ...json(ConsentRequest) },
          responses: { '204': { description: 'Stored' }, ...errors(400, 401, 403, 413) },
        },
      },
      '/v1/users/{user_id}': {
        delete: {
          summary: 'Purge the real-time state of a user and log a deletion record',
          security: bearer,
          parameters: [{ name: 'user_id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '202': { description: 'Accepted' }, ...errors(400, 401, 403) },
        },
      },
      '/v1/health': {
        get: {
          summary: 'Liveness and dependency checks',
          responses: { '200': { description: 'Health', ...json(HealthResponse) } },
        },
      },
      '/v1/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  })
}

/**
 * zod puts the schemas named with `.meta({ id })` in each generated schema's own `$defs` and points at `#/$defs/…`,
 * which an OpenAPI document resolves from its root: move them to `components.schemas` and point there.
 */
function hoistDefs<T extends { components: { schemas: Record<string, unknown> } }>(doc: T): T {
  const defs: Record<string, unknown> = {}
  const text = JSON.stringify(doc, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || !('$defs' in value)) return value
    const { $defs, ...rest } = value as { $defs: Record<string, unknown> }
    Object.assign(defs, $defs)
    return rest
  })
  const out = JSON.parse(text.replaceAll('"#/$defs/', '"#/components/schemas/')) as T
  Object.assign(out.components.schemas, defs)
  return out
}
