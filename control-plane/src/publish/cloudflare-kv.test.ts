/**
 * CloudflareKvWriter against a local stand-in for the Workers KV REST API: the real API is unreachable from
 * this environment, so a node:http server on 127.0.0.1 mimics the documented endpoints (bulk write, read value)
 * and v4 envelope, checks every request's shape strictly, and keeps pairs in memory. It proves the writer sends
 * what the docs describe and reacts to the documented answers; it does not prove Cloudflare answers that way.
 */
import { Buffer } from 'node:buffer'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CloudflareKvWriter, type CloudflareKvOptions } from './cloudflare-kv'

const ACCOUNT = 'acc-123'
const NAMESPACE = 'ns-456'
const TOKEN = 'tok-secret'
const PREFIX = `/client/v4/accounts/${ACCOUNT}/storage/kv/namespaces/${NAMESPACE}`

/** What a scripted answer returns; `undefined` lets the normal handler answer. */
type Scripted = { status: number; body: unknown; headers?: Record<string, string> } | undefined

interface Received {
  method: string
  path: string
  keys: string[]
  bytes: number
}

const store = new Map<string, string>()
const received: Received[] = []
/** Violations of the documented request shape; every test expects none. */
const violations: string[] = []
/** Per-request overrides, consumed in order (bulk writes and reads alike). */
let script: Array<(req: Received) => Scripted> = []
let maxBodyBytes = 100_000_000
/**
 * Bulk writes are held until this many are in flight (0: not held), then answered after a moment in which a
 * surplus one could still arrive and be counted: overlap is then certain, not a matter of timing. A lone one is
 * let go after 2 s, so a writer that never sends that many at once gets a wrong count, not a hang.
 */
let gather = 0
let held: Array<() => void> = []
let inFlight = 0
let maxInFlight = 0

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
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size <= maxBodyBytes) chunks.push(c as Buffer)
  }
  const url = new URL(req.url ?? '/', 'http://x')
  const rec: Received = { method: req.method ?? '', path: url.pathname, keys: [], bytes: size }
  received.push(rec)
  const fail = (why: string) => {
    violations.push(why)
    send(res, 400, envelope(null, [{ code: 10001, message: why }]))
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return fail('bad authorization header')
  if (!url.pathname.startsWith(`${PREFIX}/`)) return fail(`bad path ${url.pathname}`)
  const rest = url.pathname.slice(PREFIX.length)

  if (rest === '/bulk') {
    if (req.method !== 'PUT') return fail(`bulk with method ${req.method}`)
    if (req.headers['content-type'] !== 'application/json') return fail('bulk content-type')
    if (size > maxBodyBytes) return fail(`bulk body of ${size} bytes`)
    let pairs: unknown
    try {
      pairs = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return fail('bulk body is not JSON')
    }
    if (!Array.isArray(pairs)) return fail('bulk body is not an array')
    if (pairs.length > 10_000) return fail(`bulk of ${pairs.length} pairs`)
    for (const p of pairs) {
      const ok =
        typeof p === 'object' &&
        p !== null &&
        Object.keys(p).sort().join() === 'key,value' &&
        typeof p.key === 'string' &&
        typeof p.value === 'string' &&
        Buffer.byteLength(p.key) <= 512
      if (!ok) return fail(`bad pair ${JSON.stringify(p).slice(0, 80)}`)
    }
    rec.keys = pairs.map((p: { key: string }) => p.key)
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    if (gather > 0)
      await new Promise<void>((r) => {
        held.push(r)
        if (held.length >= gather) setTimeout(() => held.splice(0).forEach((go) => go()), 30)
        else setTimeout(r, 2000)
      })
    inFlight--
    const s = script.shift()?.(rec)
    if (s) return send(res, s.status, s.body, s.headers)
    for (const p of pairs as Array<{ key: string; value: string }>) store.set(p.key, p.value)
    return send(res, 200, envelope({ successful_key_count: pairs.length, unsuccessful_keys: [] }))
  }

  if (rest.startsWith('/values/') && req.method === 'GET') {
    const key = decodeURIComponent(rest.slice('/values/'.length))
    rec.keys = [key]
    const s = script.shift()?.(rec)
    if (s) return send(res, s.status, s.body, s.headers)
    const v = store.get(key)
    if (v === undefined)
      return send(res, 404, envelope(null, [{ code: 10009, message: 'get: key not found' }]))
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    return void res.end(v)
  }
  return fail(`unexpected ${req.method} ${url.pathname}`)
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
  maxBodyBytes = 100_000_000
  gather = 0
  held = []
  inFlight = 0
  maxInFlight = 0
})

const sleeps: number[] = []
function writer(over: Partial<CloudflareKvOptions> = {}): CloudflareKvWriter {
  sleeps.length = 0
  return new CloudflareKvWriter({
    accountId: ACCOUNT,
    namespaceId: NAMESPACE,
    apiToken: TOKEN,
    baseUrl,
    retryBaseMs: 100,
    // Record the waits instead of sleeping them, so retry tests stay fast and can check the delays.
    sleep: async (ms) => void sleeps.push(ms),
    ...over,
  })
}

describe('CloudflareKvWriter (against a local stand-in for the KV REST API)', () => {
  it('round-trips nested JSON, including keys that need URL encoding', async () => {
    const kv = writer()
    const doc = {
      release: 'r1',
      items: [{ id: 'a', score: 0.5, tags: ['x', 'ü'] }],
      meta: { n: null },
    }
    await kv.putJson([
      { key: 'releases/t1/r1 #1?', value: doc },
      { key: 'pointer', value: 'r1' },
    ])
    expect(await kv.getJson('releases/t1/r1 #1?')).toEqual(doc)
    expect(await kv.getJson('pointer')).toBe('r1')
    expect(store.get('pointer')).toBe('"r1"')
    expect(received.map((r) => r.method)).toEqual(['PUT', 'GET', 'GET'])
    expect(violations).toEqual([])
  })

  it('sends 25,001 entries as 10,000 + 10,000 + 5,001 and reports progress after each chunk', async () => {
    const entries = Array.from({ length: 25_001 }, (_, i) => ({ key: `k${i}`, value: { i } }))
    const progress: Array<[number, number]> = []
    await writer({ concurrency: 1 }).putJson(entries, (d, t) => progress.push([d, t]))
    expect(received.map((r) => r.keys.length)).toEqual([10_000, 10_000, 5_001])
    expect(progress).toEqual([
      [10_000, 25_001],
      [20_000, 25_001],
      [25_001, 25_001],
    ])
    expect(store.size).toBe(25_001)
    expect(JSON.parse(store.get('k25000')!)).toEqual({ i: 25_000 })
    expect(violations).toEqual([])
  })

  it('splits by body size exactly at the limit', async () => {
    // Every pair encodes to the same length, so the limit below fits exactly 10 pairs: `[` + 10 pairs + 9 commas + `]`.
    const entries = Array.from({ length: 35 }, (_, i) => ({
      key: `k${String(i).padStart(2, '0')}`,
      value: 'x'.repeat(1000),
    }))
    const pairBytes = JSON.stringify({ key: 'k00', value: JSON.stringify('x'.repeat(1000)) }).length
    maxBodyBytes = 2 + 10 * pairBytes + 9
    await writer({ limits: { maxBodyBytes } }).putJson(entries)
    expect(received.map((r) => r.keys.length)).toEqual([10, 10, 10, 5])
    expect(Math.max(...received.map((r) => r.bytes))).toBe(maxBodyBytes)
    expect(store.size).toBe(35)
    expect(violations).toEqual([])

    // One byte less and only 9 fit.
    received.length = 0
    maxBodyBytes -= 1
    await writer({ limits: { maxBodyBytes } }).putJson(entries)
    expect(received.map((r) => r.keys.length)).toEqual([9, 9, 9, 8])
    expect(violations).toEqual([])
  })

  it('keeps at most `concurrency` bulk requests in flight', async () => {
    gather = 2
    const entries = Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: i }))
    await writer({ concurrency: 2, limits: { maxPairsPerRequest: 1 } }).putJson(entries)
    expect(received).toHaveLength(8)
    expect(maxInFlight).toBe(2)
    expect(store.size).toBe(8)
  })

  it('retries a 429, waiting what Retry-After says', async () => {
    script = [
      () => ({
        status: 429,
        body: envelope(null, [{ code: 10429, message: 'Too many requests' }]),
        headers: { 'retry-after': '3' },
      }),
    ]
    await writer().putJson([{ key: 'a', value: 1 }])
    expect(received).toHaveLength(2)
    expect(sleeps).toEqual([3000])
    expect(store.get('a')).toBe('1')
  })

  it('retries 500 twice with growing backoff, then succeeds', async () => {
    const err = () => ({ status: 500, body: envelope(null, [{ code: 10001, message: 'boom' }]) })
    script = [err, err]
    await writer().putJson([{ key: 'a', value: { x: 1 } }])
    expect(received).toHaveLength(3)
    expect(sleeps).toHaveLength(2)
    expect(sleeps[0]).toBeGreaterThanOrEqual(50)
    expect(sleeps[0]).toBeLessThanOrEqual(100)
    expect(sleeps[1]).toBeGreaterThanOrEqual(100)
    expect(sleeps[1]).toBeLessThanOrEqual(200)
    expect(JSON.parse(store.get('a')!)).toEqual({ x: 1 })
  })

  it('gives up after maxRetries, with the last error', async () => {
    script = Array.from({ length: 10 }, () => () => ({
      status: 503,
      body: '<html>upstream down</html>',
    }))
    await expect(writer({ maxRetries: 2 }).putJson([{ key: 'a', value: 1 }])).rejects.toThrow(
      /HTTP 503.*gave up after 3 attempts/,
    )
    expect(received).toHaveLength(3)
  })

  it('fails a 403 at once with Cloudflare’s code and message, and sends no more chunks', async () => {
    script = [
      () => ({
        status: 403,
        body: envelope(null, [{ code: 10000, message: 'Authentication error' }]),
      }),
    ]
    const progress: number[] = []
    const entries = Array.from({ length: 3 }, (_, i) => ({ key: `k${i}`, value: i }))
    await expect(
      writer({ concurrency: 1, limits: { maxPairsPerRequest: 1 } }).putJson(entries, (d) =>
        progress.push(d),
      ),
    ).rejects.toThrow(/HTTP 403: \[10000\] Authentication error/)
    expect(received).toHaveLength(1)
    expect(sleeps).toEqual([])
    expect(progress).toEqual([])
  })

  it('treats a 200 with success: false as a failure', async () => {
    script = [() => ({ status: 200, body: envelope(null, [{ code: 10014, message: 'nope' }]) })]
    await expect(writer().putJson([{ key: 'a', value: 1 }])).rejects.toThrow(/\[10014\] nope/)
    expect(received).toHaveLength(1)
  })

  it('resends only the unsuccessful_keys of a bulk write', async () => {
    script = [
      (rec) => {
        // Store all but k1, and say so.
        for (const k of rec.keys) if (k !== 'k1') store.set(k, 'stored')
        return {
          status: 200,
          body: envelope({ successful_key_count: rec.keys.length - 1, unsuccessful_keys: ['k1'] }),
        }
      },
    ]
    const entries = Array.from({ length: 3 }, (_, i) => ({ key: `k${i}`, value: i }))
    await writer().putJson(entries)
    expect(received.map((r) => r.keys)).toEqual([['k0', 'k1', 'k2'], ['k1']])
    expect(store.get('k1')).toBe('1')
  })

  it('refuses a key over 512 bytes or a value over the limit before sending anything', async () => {
    const long = 'é'.repeat(257) // 514 bytes, 257 characters
    await expect(
      writer().putJson([
        { key: 'ok', value: 1 },
        { key: long, value: 1 },
      ]),
    ).rejects.toThrow(/KV key "é+" is 514 bytes; the limit is 512/)
    await expect(
      writer({ limits: { maxValueBytes: 10 } }).putJson([
        { key: 'ok', value: 1 },
        { key: 'big', value: 'x'.repeat(20) },
      ]),
    ).rejects.toThrow(/KV value for key "big" is 22 bytes/)
    await expect(
      writer().putJson([
        { key: 'dup', value: 1 },
        { key: 'dup', value: 2 },
      ]),
    ).rejects.toThrow(/"dup" appears twice/)
    expect(received).toEqual([])
  })

  it('reads a missing key as null, but throws on a 404 that is not "key not found"', async () => {
    const kv = writer()
    expect(await kv.getJson('nope')).toBeNull()
    script = [
      () => ({
        status: 404,
        body: envelope(null, [{ code: 10013, message: 'namespace not found' }]),
      }),
    ]
    await expect(kv.getJson('nope')).rejects.toThrow(/HTTP 404: \[10013\] namespace not found/)
  })

  it('retries a read after a network error', async () => {
    let calls = 0
    const flaky: typeof fetch = async (input, init) => {
      if (calls++ === 0) throw new TypeError('fetch failed')
      return fetch(input, init)
    }
    store.set('a', '{"b":[1,2]}')
    expect(await writer({ fetch: flaky }).getJson('a')).toEqual({ b: [1, 2] })
    expect(calls).toBe(2)
    expect(sleeps).toHaveLength(1)
  })
})
