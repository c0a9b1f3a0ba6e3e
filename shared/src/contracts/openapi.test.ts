import { describe, expect, it } from 'vitest'
import { openApiDocument } from './openapi'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Obj = { [k: string]: Json }

const doc = JSON.parse(JSON.stringify(openApiDocument('https://edge.example'))) as Obj
const paths = doc.paths as Record<string, Record<string, Obj>>
const op = (path: string, method: string) => paths[path]![method]!
const schemaOf = (x: Json) => ((x as Obj).content as Obj)['application/json'] as Obj

/** Resolves a local JSON pointer (`#/a/b`) against the whole document, as OpenAPI 3.1 tools do. */
function resolve(ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined
  let node: Json | undefined = doc
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    node = node && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined
  }
  return node
}

function refs(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out))
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v)
      else refs(v, out)
    }
  return out
}

describe('openApiDocument', () => {
  it('is an OpenAPI 3.1 document with info and the given server', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) })
    expect(doc.servers).toEqual([{ url: 'https://edge.example' }])
    expect(openApiDocument().servers).toEqual([])
  })

  it('has exactly the routes of docs/api.md', () => {
    const routes = Object.entries(paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    )
    expect(routes.sort()).toEqual(
      [
        'POST /v1/recommendations',
        'GET /v1/recommendations',
        'POST /v1/events',
        'PUT /v1/users/{user_id}/consent',
        'DELETE /v1/users/{user_id}',
        'GET /v1/health',
        'GET /v1/openapi.json',
      ].sort(),
    )
  })

  it('needs the bearer API key on every route but health and the document itself', () => {
    expect((doc.components as Obj).securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
    })
    for (const [p, ops] of Object.entries(paths))
      for (const o of Object.values(ops)) {
        if (p === '/v1/health' || p === '/v1/openapi.json') expect(o.security).toBeUndefined()
        else expect(o.security).toEqual([{ bearer: [] }])
      }
  })

  it('declares every path template parameter as a required path parameter', () => {
    for (const [p, ops] of Object.entries(paths)) {
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
      for (const o of Object.values(ops)) {
        const declared = ((o.parameters ?? []) as Obj[]).filter((x) => x.in === 'path')
        expect(declared.map((x) => x.name)).toEqual(names)
        for (const x of declared) expect(x.required).toBe(true)
      }
    }
  })

  it('answers with the statuses of docs/api.md, errors in the error envelope', () => {
    const statuses = (p: string, m: string) => Object.keys(op(p, m).responses as Obj).sort()
    // 403: the key lacks the route's permission (`recommend` or `events`).
    // 413: a body over 64 KiB (routes that take one).
    const rec = ['200', '400', '401', '403', '404', '503']
    expect(statuses('/v1/recommendations', 'post')).toEqual([...rec, '413'].sort())
    expect(statuses('/v1/recommendations', 'get')).toEqual(rec)
    expect(statuses('/v1/events', 'post')).toEqual(['202', '400', '401', '403', '413'])
    expect(statuses('/v1/users/{user_id}/consent', 'put')).toEqual([
      '204',
      '400',
      '401',
      '403',
      '413',
    ])
    expect(statuses('/v1/users/{user_id}', 'delete')).toEqual(['202', '400', '401', '403'])
    expect(statuses('/v1/health', 'get')).toEqual(['200'])
    const envelope = schemaOf((op('/v1/events', 'post').responses as Obj)['400']!).schema as Obj
    expect(envelope).toMatchObject({
      required: ['error'],
      properties: { error: { required: ['code', 'message', 'request_id'] } },
    })
    const code = ((envelope.properties as Obj).error as Obj).properties as Obj
    expect((code.code as Obj).enum).toEqual([
      'BAD_REQUEST',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
      'RATE_LIMITED',
      'UNAVAILABLE',
      'INTERNAL',
    ])
  })

  it('describes the recommendation request as the zod contract validates it', () => {
    const body = op('/v1/recommendations', 'post').requestBody as Obj
    expect(body.required).toBe(true)
    const schema = schemaOf(body).schema as Obj
    expect(schema.required).toEqual(['surface', 'subject'])
    expect(schema.additionalProperties).toBe(false)
    expect((schema.properties as Obj).limit).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 20,
    })
    const subject = (schema.properties as Obj).subject as Obj
    expect((subject.anyOf as Obj[]).map((s) => s.required)).toEqual([['user_id'], ['anonymous_id']])
  })

  it('takes the query form of the recommendation request, surface required', () => {
    const params = op('/v1/recommendations', 'get').parameters as Obj[]
    expect(params.every((p) => p.in === 'query')).toBe(true)
    expect(params.filter((p) => p.required).map((p) => p.name)).toEqual(['surface'])
    expect(params.map((p) => p.name)).toEqual(
      expect.arrayContaining(['surface', 'user_id', 'anonymous_id', 'limit']),
    )
  })

  it('describes the response items and the event schema', () => {
    const res = schemaOf((op('/v1/recommendations', 'post').responses as Obj)['200']!).schema as Obj
    expect(res.required).toEqual(
      expect.arrayContaining(['request_id', 'slate_id', 'items', 'metadata']),
    )
    const event = ((doc.components as Obj).schemas as Obj).Event as Obj
    expect(event.required).toEqual(
      expect.arrayContaining(['event_id', 'type', 'item_id', 'event_time']),
    )
    // The subject is one of the two (checked by the edge, not expressible as `required`).
    expect(Object.keys(event.properties as Obj)).toEqual(
      expect.arrayContaining(['user_id', 'anonymous_id']),
    )
  })

  it('has no dangling $ref: every reference resolves within the document', () => {
    const all = refs(doc)
    for (const ref of all) expect(resolve(ref), ref).toBeDefined()
  })

  it('lets the response items be resolved to the RecommendedItem schema', () => {
    const res = schemaOf((op('/v1/recommendations', 'post').responses as Obj)['200']!).schema as Obj
    let items = ((res.properties as Obj).items as Obj).items as Obj
    if (typeof items.$ref === 'string') items = resolve(items.$ref) as Obj
    expect(items.required).toEqual(
      expect.arrayContaining(['item_id', 'position', 'tracking_token', 'reason', 'source']),
    )
  })
})
