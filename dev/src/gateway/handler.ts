import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAuthorized } from './auth.js'
import { runCommand, runPipeline, runTransaction, type ExecContext } from './execute.js'
import { HttpError } from './http-error.js'
import { parseJsonBody, parseJsonCommand, parseJsonCommandList } from './json-command.js'
import { parsePathCommand } from './path-command.js'
import { readBody } from './read-body.js'
import { refuseBrowserRequests, requireBodyType } from './request-guard.js'
import { parseRequestTarget } from './request-target.js'
import { sendJson, sendOutcome, sendOutcomes } from './respond.js'

/** What a request handler needs: the Redis connection, the token, the body limit, the Host names it answers. */
export interface HandlerSettings {
  ctx: ExecContext
  token: string
  maxBodyBytes: number
  /** Lower-case host names a request's Host header may name (loopback and the configured ones). */
  allowedHosts: ReadonlySet<string>
}

/** The methods Upstash's REST API accepts; others get 405. */
const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT'])

/**
 * Routes one request: `/healthz` (no auth), then the refusals of what a web page could send (an Origin, a foreign
 * Host: 403; a `_token` query parameter: 401), auth, the body type (415), then `/` (JSON command), `/pipeline`,
 * `/multi-exec`, or a path-style command. Protocol errors (bad JSON, too large, refused format)
 * are answered here; only unexpected errors reject, for the server to answer 500.
 */
export async function handleRequest(
  s: HandlerSettings,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = parseRequestTarget(req.url ?? '/')
  const method = req.method ?? 'GET'
  if (target.path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
    const ping = await runCommand(s.ctx, { name: 'PING', args: [] })
    if (ping.ok) sendJson(res, 200, { status: 'ok' })
    else sendJson(res, 503, { status: 'unavailable', error: ping.message })
    return
  }
  if (!ALLOWED_METHODS.has(method)) {
    req.resume()
    res.setHeader('allow', [...ALLOWED_METHODS].join(', '))
    sendJson(res, 405, { error: 'Method Not Allowed' })
    return
  }
  try {
    refuseBrowserRequests(req.headers, s.allowedHosts)
    if (target.query.has('_token'))
      throw new HttpError(
        401,
        'ERR the token is taken from "Authorization: Bearer <token>" only, never from the query',
      )
  } catch (err) {
    req.resume()
    sendJson(res, (err as HttpError).status, { error: (err as HttpError).message })
    return
  }
  if (!isAuthorized(req.headers, s.token)) {
    req.resume()
    sendJson(res, 401, { error: 'Unauthorized' })
    return
  }
  try {
    requireBodyType(method, req.headers)
    checkResponseFormat(req)
    const base64 = headerValue(req, 'upstash-encoding') === 'base64'
    const hasBody = method === 'POST' || method === 'PUT'
    const body = hasBody ? await readBody(req, s.maxBodyBytes) : undefined
    const json = (): unknown => parseJsonBody(body ?? Buffer.alloc(0))
    switch (target.path) {
      case '/':
        sendOutcome(res, await runCommand(s.ctx, parseJsonCommand(json())), base64)
        return
      case '/pipeline':
        sendOutcomes(res, await runPipeline(s.ctx, parseJsonCommandList(json())), base64)
        return
      case '/multi-exec': {
        const tx = await runTransaction(s.ctx, parseJsonCommandList(json()))
        if (tx.ok) sendOutcomes(res, tx.outcomes, base64)
        else sendOutcome(res, tx, base64)
        return
      }
      default:
        sendOutcome(res, await runCommand(s.ctx, parsePathCommand(target, body)), base64)
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err
    sendJson(res, err.status, { error: err.message })
  }
}

/**
 * Upstash can answer in raw RESP (`Upstash-Response-Format: resp2`); @upstash/redis never asks for
 * it and the gateway does not implement it, so anything but JSON is refused rather than ignored.
 */
function checkResponseFormat(req: IncomingMessage): void {
  const format = headerValue(req, 'upstash-response-format')
  if (format !== undefined && format !== 'json') {
    throw new HttpError(400, `ERR Upstash-Response-Format '${format}' is not supported; use json`)
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  const first = Array.isArray(value) ? value[0] : value
  return first?.trim().toLowerCase()
}
