import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { createApp } from '../src/app'
import type { Env } from '../src/env'

const app = createApp()

/** Calls the real app as the Worker runtime does: `app.fetch(request, env, ctx)`. */
export async function call(
  path: string,
  opts: {
    key?: string
    body?: unknown
    raw?: string
    /** A raw binary body, sent with the caller's content-type (if any). */
    bytes?: Uint8Array
    method?: string
    env?: Env
    headers?: Record<string, string>
    /** What Cloudflare's edge would attach as `request.cf` (e.g. the caller's `country`). */
    cf?: Record<string, unknown>
  } = {},
): Promise<Response> {
  const method =
    opts.method ??
    (opts.body !== undefined || opts.raw !== undefined || opts.bytes ? 'POST' : 'GET')
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.key) headers.authorization = `Bearer ${opts.key}`
  if (opts.body !== undefined || opts.raw !== undefined)
    headers['content-type'] = 'application/json'
  const req = new Request(`https://edge.test${path}`, {
    method,
    headers,
    body:
      opts.bytes ?? opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    ...(opts.cf && { cf: opts.cf }),
  })
  const ctx = createExecutionContext()
  const res = await app.fetch(req, opts.env ?? (env as Env), ctx)
  await waitOnExecutionContext(ctx)
  return res
}

export async function recommend(key: string, body: Record<string, unknown>, e?: Env) {
  const res = await call('/v1/recommendations', { key, body, env: e })
  return { status: res.status, json: (await res.json()) as any }
}

/** `POST /v1/events` through the real app. */
export async function postEvents(key: string, events: unknown[], e?: Env) {
  const res = await call('/v1/events', { key, body: { events }, env: e })
  return { status: res.status, json: (await res.json()) as any }
}

/** `fetch` against the real app, for clients that take one (the SDK): each request runs as the runtime runs it. */
export const edgeFetch = async (
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> => {
  const ctx = createExecutionContext()
  const res = await app.fetch(new Request(input, init), env as Env, ctx)
  await waitOnExecutionContext(ctx)
  return res
}
