/**
 * CloudflareR2Writer against a local stand-in for the R2 objects REST API: the real API is unreachable from this
 * environment, so a node:http server on 127.0.0.1 mimics the documented endpoints (Upload Object, Get Object) and
 * v4 envelope, checks every request's shape strictly, and keeps objects in memory. It proves the writer sends what
 * wrangler and the API reference describe and reacts to the documented answers; it does not prove Cloudflare
 * answers that way.
 */
import { Buffer } from 'node:buffer'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CloudflareR2Writer, type CloudflareR2Options } from './cloudflare-r2'

const ACCOUNT = 'acc-123'
const BUCKET = 'recsys-artifacts'
const TOKEN = 'tok-secret'
const PREFIX = `/client/v4/accounts/${ACCOUNT}/r2/buckets/${BUCKET}/objects/`

/** What a scripted answer returns; `undefined` lets the normal handler answer. */
type Scripted = { status: number; body: unknown; headers?: Record<string, string> } | undefined

interface Received {
  method: string
  /** The path as sent (still percent-encoded). */
  rawPath: string
  key: string
  contentType: string | undefined
  body: Buffer
}

const store = new Map<string, { bytes: Buffer; contentType: string }>()
const received: Received[] = []
/** Violations of the documented request shape; every test expects none. */
const violations: string[] = []
/** Per-request overrides, consumed in order. */
let script: Array<(req: Received) => Scripted> = []

const envelope = (result: unknown, errors: Array<{ code: number; message: string }> = []) => ({
  success: errors.length === 0,
  errors,
  messages: [],
  result,
})

function send(res: http.ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(text)
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const rawPath = (req.url ?? '/').split('?')[0]!
  const rest = rawPath.startsWith(PREFIX) ? rawPath.slice(PREFIX.length) : ''
  const rec: Received = {
    method: req.method ?? '',
    rawPath,
    // Slashes travel literally; each segment is percent-decoded on its own.
    key: rest.split('/').map(decodeURIComponent).join('/'),
    contentType: req.headers['content-type'],
    body: Buffer.concat(chunks),
  }
  received.push(rec)
  const fail = (why: string) => {
    violations.push(why)
    send(res, 400, envelope(null, [{ code: 10001, message: why }]))
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return fail('bad authorization header')
  if (!rest) return fail(`bad path ${rawPath}`)
  if (/%2f/i.test(rest)) return fail(`a slash of the key was percent-encoded: ${rest}`)
  // Reserved characters other than the slash must arrive percent-encoded.
  if (!/^[A-Za-z0-9\-._~%/]+$/.test(rest)) return fail(`unencoded reserved character in ${rest}`)

  if (req.method === 'PUT') {
    if (!rec.contentType) return fail('upload without content-type')
    if (Number(req.headers['content-length']) !== rec.body.length)
      return fail('content-length does not match the body')
    const s = script.shift()?.(rec)
    if (s) return send(res, s.status, s.body, s.headers)
    store.set(rec.key, { bytes: rec.body, contentType: rec.contentType })
    return send(
      res,
      200,
      envelope({
        key: rec.key,
        etag: 'e'.repeat(32),
        size: String(rec.body.length),
        storage_class: 'Standard',
        uploaded: new Date().toISOString(),
      }),
    )
  }
  if (req.method === 'GET') {
    if (rec.body.length > 0) return fail('GET with a body')
    const s = script.shift()?.(rec)
    if (s) return send(res, s.status, s.body, s.headers)
    const obj = store.get(rec.key)
    if (!obj)
      return send(
        res,
        404,
        envelope(null, [{ code: 10007, message: 'The specified key does not exist.' }]),
      )
    res.writeHead(200, { 'content-type': obj.contentType, etag: `"${'e'.repeat(32)}"` })
    return void res.end(obj.bytes)
  }
  return fail(`unexpected ${req.method} ${rawPath}`)
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    violations.push(String(e))
    res.destroy()
  })
})
let baseUrl = ''

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4/`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(() => {
  store.clear()
  received.length = 0
  violations.length = 0
  script = []
})

const sleeps: number[] = []
function writer(over: Partial<CloudflareR2Options> = {}): CloudflareR2Writer {
  sleeps.length = 0
  return new CloudflareR2Writer({
    accountId: ACCOUNT,
    bucket: BUCKET,
    apiToken: TOKEN,
    baseUrl,
    retryBaseMs: 100,
    // Record the waits instead of sleeping them, so retry tests stay fast and can check the delays.
    sleep: async (ms) => void sleeps.push(ms),
    ...over,
  })
}

/** Every byte value, then an odd tail: any re-encoding on the way would change it. */
const bytes = new Uint8Array(3 * 256 + 5).map((_, i) => (i * 37 + 11) % 256)
const KEY = `t/acme/blobs/${'ab'.repeat(32)}`

describe('CloudflareR2Writer (against a local stand-in for the R2 objects REST API)', () => {
  it('uploads the exact bytes with PUT, bearer token and content-type, and finds them after', async () => {
    const r2 = writer()
    expect(await r2.hasBlob(KEY)).toBe(false)
    await r2.putBlob(KEY, bytes, 'application/x-onnx')
    expect(await r2.hasBlob(KEY)).toBe(true)
    expect(received.map((r) => [r.method, r.rawPath])).toEqual([
      ['GET', PREFIX + KEY],
      ['PUT', PREFIX + KEY],
      ['GET', PREFIX + KEY],
    ])
    const put = received[1]!
    expect(put.contentType).toBe('application/x-onnx')
    expect(new Uint8Array(put.body)).toEqual(bytes)
    expect(store.get(KEY)?.contentType).toBe('application/x-onnx')
    expect(violations).toEqual([])
  })

  it('sends application/octet-stream when no content type is given', async () => {
    await writer().putBlob(KEY, bytes)
    expect(received[0]!.contentType).toBe('application/octet-stream')
    expect(violations).toEqual([])
  })

  it('percent-encodes each key segment and keeps the slashes literal', async () => {
    const key = 't/a@b+c=d/blobs/x y#?%'
    const r2 = writer()
    await r2.putBlob(key, bytes)
    expect(received[0]!.rawPath).toBe(`${PREFIX}t/a%40b%2Bc%3Dd/blobs/x%20y%23%3F%25`)
    expect(new Uint8Array(store.get(key)!.bytes)).toEqual(bytes)
    expect(await r2.hasBlob(key)).toBe(true)
    expect(violations).toEqual([])
  })

  it('retries a 503 and a 429 (waiting what Retry-After says), resending the whole body each time', async () => {
    script = [
      () => ({ status: 503, body: '<html>upstream down</html>' }),
      () => ({
        status: 429,
        body: envelope(null, [{ code: 10058, message: 'Too many requests' }]),
        headers: { 'retry-after': '2' },
      }),
    ]
    await writer().putBlob(KEY, bytes)
    expect(received).toHaveLength(3)
    for (const r of received) expect(new Uint8Array(r.body)).toEqual(bytes)
    expect(sleeps).toHaveLength(2)
    expect(sleeps[0]).toBeGreaterThanOrEqual(50)
    expect(sleeps[0]).toBeLessThanOrEqual(100)
    expect(sleeps[1]).toBe(2000)
    expect(new Uint8Array(store.get(KEY)!.bytes)).toEqual(bytes)
    expect(violations).toEqual([])
  })

  it('retries after a network error', async () => {
    let calls = 0
    const flaky: typeof fetch = async (input, init) => {
      if (calls++ === 0) throw new TypeError('fetch failed')
      return fetch(input, init)
    }
    await writer({ fetch: flaky }).putBlob(KEY, bytes)
    expect(calls).toBe(2)
    expect(sleeps).toHaveLength(1)
    expect(store.has(KEY)).toBe(true)
  })

  it('gives up after maxRetries, with the last error', async () => {
    script = Array.from({ length: 10 }, () => () => ({
      status: 500,
      body: envelope(null, [{ code: 10001, message: 'internal' }]),
    }))
    await expect(writer({ maxRetries: 2 }).putBlob(KEY, bytes)).rejects.toThrow(
      /HTTP 500: \[10001\] internal \(gave up after 3 attempts\)/,
    )
    expect(received).toHaveLength(3)
    expect(store.has(KEY)).toBe(false)
  })

  it('fails a 403 at once with Cloudflare’s code and message', async () => {
    script = [
      () => ({
        status: 403,
        body: envelope(null, [{ code: 10003, message: 'Access Denied' }]),
      }),
    ]
    await expect(writer().putBlob(KEY, bytes)).rejects.toThrow(
      /R2 upload of "t\/acme\/blobs\/(ab)+" \(773 bytes\) failed: HTTP 403: \[10003\] Access Denied/,
    )
    expect(received).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('treats a 200 with success: false as a failure', async () => {
    script = [() => ({ status: 200, body: envelope(null, [{ code: 10014, message: 'nope' }]) })]
    await expect(writer().putBlob(KEY, bytes)).rejects.toThrow(/\[10014\] nope/)
  })

  it('hasBlob: false for an absent key, retried on 5xx, and a missing bucket throws', async () => {
    const r2 = writer()
    expect(await r2.hasBlob('t/acme/blobs/none')).toBe(false)
    store.set(KEY, { bytes: Buffer.from(bytes), contentType: 'application/octet-stream' })
    received.length = 0
    script = [() => ({ status: 502, body: 'bad gateway' })]
    expect(await r2.hasBlob(KEY)).toBe(true)
    expect(received.map((r) => r.method)).toEqual(['GET', 'GET'])
    script = [
      () => ({
        status: 404,
        body: envelope(null, [{ code: 10006, message: 'The specified bucket does not exist.' }]),
      }),
    ]
    await expect(r2.hasBlob(KEY)).rejects.toThrow(
      /HTTP 404: \[10006\] The specified bucket does not exist\./,
    )
    expect(violations).toEqual([])
  })

  it('refuses an object or key over the limits before sending anything', async () => {
    await expect(
      writer({ limits: { maxObjectBytes: 100 } }).putBlob(KEY, new Uint8Array(101)),
    ).rejects.toThrow(/is 101 bytes; one upload takes at most 100/)
    await expect(writer().putBlob('k'.repeat(1025), bytes)).rejects.toThrow(
      /is 1025 bytes; keys are 1 to 1024/,
    )
    await expect(writer().hasBlob('')).rejects.toThrow(/keys are 1 to 1024/)
    expect(received).toEqual([])
  })
})
