import { randomUUID } from 'node:crypto'
import { CliError, usageError, type Envelope } from './cli-error'

export interface ApiClientOptions {
  /** Base URL of the operator API, e.g. http://127.0.0.1:8788. */
  baseUrl: string
  /** Called once, on the first request, so commands that fail earlier never need a token. */
  token: () => string
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  /** Sent as JSON. */
  json?: unknown
  /** Sent as-is with `contentType`. */
  body?: Uint8Array | string
  contentType?: string
  headers?: Record<string, string>
}

/** HTTP statuses a non-envelope answer (a proxy, a wrong URL) maps onto. */
const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
}

/**
 * The operator API over fetch. Every request carries a fresh `x-request-id`, so even a failure without a response
 * has an id; a non-2xx answer becomes a {@link CliError} carrying the server's envelope.
 */
export class ApiClient {
  private token: string | undefined
  private readonly base: string

  constructor(private readonly opts: ApiClientOptions) {
    let url: URL
    try {
      url = new URL(opts.baseUrl)
    } catch {
      throw usageError(`--api must be a URL like http://127.0.0.1:8788, got '${opts.baseUrl}'`)
    }
    this.base = url.href.replace(/\/+$/, '')
  }

  /** One request; resolves to the parsed JSON body of a 2xx answer. */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    o: RequestOptions = {},
  ): Promise<T> {
    const { res, request_id } = await this.send(method, path, o)
    const text = await res.text()
    try {
      return JSON.parse(text) as T
    } catch {
      throw new CliError('INTERNAL', `the API answered ${res.status} with non-JSON`, request_id)
    }
  }

  /**
   * A long step with `Accept: application/x-ndjson`: calls `onProgress` for each `{"progress"}` line as it
   * arrives and resolves to the `{"result"}` line (or throws the `{"error"}` line's envelope).
   */
  async stream<T = Record<string, unknown>>(
    path: string,
    json: unknown,
    onProgress: (msg: string) => void,
  ): Promise<T> {
    const { res, request_id } = await this.send('POST', path, {
      json,
      headers: { accept: 'application/x-ndjson' },
    })
    if (!(res.headers.get('content-type') ?? '').includes('ndjson')) return (await res.json()) as T
    let result: { value: T } | undefined
    const handle = (line: string) => {
      if (!line.trim()) return
      const doc = JSON.parse(line) as {
        progress?: string
        result?: T
        error?: Envelope['error']
      }
      if (typeof doc.progress === 'string') onProgress(doc.progress)
      else if (doc.error)
        throw new CliError(
          doc.error.code,
          doc.error.message,
          doc.error.request_id,
          doc.error.details,
        )
      else if ('result' in doc) result = { value: doc.result as T }
    }
    const decoder = new TextDecoder()
    let buf = ''
    try {
      for await (const chunk of res.body ?? []) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true })
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          handle(buf.slice(0, nl))
          buf = buf.slice(nl + 1)
        }
      }
      handle(buf + decoder.decode())
    } catch (e) {
      if (e instanceof CliError) throw e
      throw lost(request_id, e)
    }
    if (!result) throw lost(request_id)
    return result.value
  }

  private async send(method: string, path: string, o: RequestOptions) {
    const token = (this.token ??= this.opts.token())
    const request_id = `cli-${randomUUID()}`
    const url = new URL(this.base + path)
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'x-request-id': request_id,
      ...(o.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(o.contentType ? { 'content-type': o.contentType } : {}),
      ...o.headers,
    }
    let res: Response
    try {
      res = await fetch(url, {
        method,
        headers,
        body: o.json !== undefined ? JSON.stringify(o.json) : o.body,
      })
    } catch (e) {
      throw new CliError(
        'UNAVAILABLE',
        `cannot reach the control plane at ${this.base} (${causeOf(e)}): start it with \`npx recsys serve\`, ` +
          `or point --api / RECSYS_API_URL at a running one`,
        request_id,
      )
    }
    if (res.ok) return { res, request_id }
    const text = await res.text()
    let env: Partial<Envelope> = {}
    try {
      env = JSON.parse(text) as Partial<Envelope>
    } catch {
      /* not the API's envelope: described below */
    }
    if (env.error?.code && env.error.message)
      throw new CliError(
        env.error.code,
        env.error.message,
        env.error.request_id ?? request_id,
        env.error.details,
      )
    throw new CliError(
      STATUS_CODES[res.status] ?? (res.status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST'),
      `${method} ${url.pathname} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''} (is ${this.base} the control plane?)`,
      request_id,
    )
  }
}

const causeOf = (e: unknown) => {
  const c = (e as { cause?: { code?: string; message?: string } }).cause
  return c?.code ?? c?.message ?? (e instanceof Error ? e.message : String(e))
}

const lost = (request_id: string, e?: unknown) =>
  new CliError(
    'UNAVAILABLE',
    `the connection closed before the result${e ? ` (${causeOf(e)})` : ''}; the step may still have ` +
      `finished on the server: check \`recsys release list\` or \`recsys audit\``,
    request_id,
  )
