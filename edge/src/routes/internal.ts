import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import type { AppEnv } from '../app-env'
import { ApiError, errorResponse } from '../errors'
import { parseJson } from './parse'

/** Bulk writes per call, as the Cloudflare KV bulk API allows. */
const MAX_ENTRIES = 10_000

const KvBulk = z
  .object({
    entries: z
      .array(z.object({ key: z.string().min(1).max(512), value: z.string() }).strict())
      .max(MAX_ENTRIES),
  })
  .strict()

/** Largest body /internal takes (a KV bulk write, or one R2 object such as an edge model). */
const MAX_BODY_BYTES = 64 * 1024 * 1024

/**
 * Local-stack only: the control plane's local edge-store adapters write KV and R2 through the running Worker,
 * because a running workerd does not see writes another process makes to its persisted state; `recsys events
 * export` reads the log bucket through it. Mounted only when
 * EDGE_ADMIN_TOKEN is set (never in production, where the control plane uses Cloudflare's KV bulk and R2 APIs).
 */
export const internal = new Hono<AppEnv>()
  .use(async function adminToken(c, next) {
    // From the parsed config: a token too short to be safe fails it, and an empty one leaves /internal closed.
    const expected = c.var.services.config.EDGE_ADMIN_TOKEN
    const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
    if (!expected || !given || !(await timingSafeEqual(given, expected)))
      throw new ApiError('UNAUTHORIZED', 'admin token required')
    await next()
  })
  .use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorResponse(c, 'PAYLOAD_TOO_LARGE', `body larger than ${MAX_BODY_BYTES} bytes`),
    }),
  )
  .put('/kv', async (c) => {
    const { entries } = await parseJson(c, KvBulk)
    await Promise.all(entries.map((e) => c.env.EDGE_KV.put(e.key, e.value)))
    return c.json({ written: entries.length })
  })
  .get('/kv', async (c) => {
    const key = c.req.query('key')
    if (!key) throw new ApiError('BAD_REQUEST', 'key is required')
    const value = await c.env.EDGE_KV.get(key)
    if (value === null) throw new ApiError('NOT_FOUND', `no value at ${key}`)
    return c.text(value)
  })
  // One object of ARTIFACT_BUCKET, raw bytes; the request's content-type is kept as its httpMetadata.
  .put('/r2/:key{.+}', async (c) => {
    const key = c.req.param('key')
    const bytes = await c.req.arrayBuffer()
    const contentType = c.req.header('content-type')
    const obj = await c.env.ARTIFACT_BUCKET.put(key, bytes, {
      httpMetadata: contentType ? { contentType } : undefined,
    })
    return c.json({ key, size: obj.size, etag: obj.etag })
  })
  // GET streams the object; HEAD (which Hono routes here) answers its headers from a head() alone.
  .get('/r2/:key{.+}', async (c) => {
    const key = c.req.param('key')
    const bucket = c.env.ARTIFACT_BUCKET
    const head = c.req.method === 'HEAD'
    const obj = head ? await bucket.head(key) : await bucket.get(key)
    if (obj === null) throw new ApiError('NOT_FOUND', `no object at ${key}`)
    const headers = new Headers({ etag: obj.httpEtag, 'content-length': String(obj.size) })
    obj.writeHttpMetadata(headers)
    return new Response(head ? null : (obj as R2ObjectBody).body, { headers })
  })

  // The log bucket (LOG_BUCKET), read-only: a listing page, then objects, for `recsys events export`.
  .get('/log', async (c) => {
    const prefix = c.req.query('prefix') ?? ''
    const cursor = c.req.query('cursor') || undefined
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit')) || 1000))
    const page = await c.env.LOG_BUCKET.list({ prefix, cursor, limit })
    return c.json({
      objects: page.objects.map((o) => ({ key: o.key, size: o.size, etag: o.etag })),
      cursor: page.truncated ? page.cursor : null,
    })
  })
  .get('/log/:key{.+}', async (c) => {
    const key = c.req.param('key')
    const obj = await c.env.LOG_BUCKET.get(key)
    if (obj === null) throw new ApiError('NOT_FOUND', `no object at ${key}`)
    return new Response(obj.body, {
      headers: { etag: obj.httpEtag, 'content-type': 'application/x-ndjson' },
    })
  })

async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder()
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest('SHA-256', enc.encode(a)),
    crypto.subtle.digest('SHA-256', enc.encode(b)),
  ])
  const x = new Uint8Array(ha)
  const y = new Uint8Array(hb)
  let diff = 0
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!
  return diff === 0
}
