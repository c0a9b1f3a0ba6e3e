import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, startTestGateway, type TestGateway } from './test-support.js'

// The wire protocol as seen with plain fetch: what curl users and non-SDK code get.
let t: TestGateway
const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64')

beforeAll(async () => {
  t = await startTestGateway()
})

afterAll(async () => {
  await t?.cleanup()
})

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.gateway.url}${path}`, {
    headers: { authorization: `Bearer ${t.token}`, ...headers },
  })
}

describe('auth', () => {
  it('answers 401 without a token, with a wrong token, and with the wrong scheme', async () => {
    const k = encodeURIComponent(t.key('auth'))
    for (const authorization of [undefined, `Bearer ${t.token}x`, `Basic ${t.token}`]) {
      const res = await fetch(`${t.gateway.url}/set/${k}/v`, {
        headers: authorization === undefined ? {} : { authorization },
      })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'Unauthorized' })
    }
    expect(await t.direct.exists(t.key('auth'))).toBe(0)
  })

  it('serves /healthz without a token', async () => {
    const res = await fetch(`${t.gateway.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })
})

describe('path style', () => {
  it('reads with GET /get/<key>, URL-decoding segments', async () => {
    const k = t.key('path/with slash+plus%')
    await t.direct.set(k, 'stored value')
    const res = await get(`/get/${encodeURIComponent(k)}`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ result: 'stored value' })
    expect(await (await get(`/get/${encodeURIComponent(t.key('nope'))}`)).json()).toEqual({
      result: null,
    })
  })

  it('appends a POST body as the value, byte for byte, then query parameters', async () => {
    const k = t.key('posted')
    const bytes = Buffer.from([0xff, 0x00, 0x80, 0x0a, 0xc3])
    const res = await fetch(`${t.gateway.url}/set/${encodeURIComponent(k)}?EX=86400`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    })
    expect(await res.json()).toEqual({ result: 'OK' })
    expect(await t.direct.getBuffer(k)).toEqual(bytes)
    // EX=86400 applied (a day; a loaded machine delays the TTL read by seconds, never hours).
    expect(await t.direct.ttl(k)).toBeGreaterThan(86_400 - 3600)
    const read = await get(`/get/${encodeURIComponent(k)}`, { 'upstash-encoding': 'base64' })
    expect(await read.json()).toEqual({ result: b64(bytes) })
  })

  it('keeps percent-encoded non-UTF-8 bytes in path segments', async () => {
    const k = t.key('pct')
    await get(`/set/${encodeURIComponent(k)}/%FF%00a`)
    expect(await t.direct.getBuffer(k)).toEqual(Buffer.from([0xff, 0x00, 0x61]))
  })

  it('does not expand a binary value the way ioredis would expand an object', async () => {
    // ioredis rewrites HSET key <object>; a Buffer is an object to it. The gateway must not.
    const res = await fetch(`${t.gateway.url}/hset/${encodeURIComponent(t.key('h'))}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/octet-stream' },
      body: 'abcdef',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: "ERR wrong number of arguments for 'hset' command" })
  })
})

describe('JSON commands', () => {
  it('stringifies numeric and boolean arguments', async () => {
    const k = t.key('numbers')
    expect(await postJson(t, '/', ['SET', k, 42.5, 'EX', 100])).toEqual({
      status: 200,
      json: { result: 'OK' },
    })
    expect(await t.direct.get(k)).toBe('42.5')
    await postJson(t, '/', ['SET', k, true])
    expect(await t.direct.get(k)).toBe('true')
  })

  it('answers 400 with an error for malformed JSON and for bodies that are not commands', async () => {
    for (const body of ['["SET","k"', '{"cmd":"GET"}', '[]', '[{"a":1}]', '["GET",null]', '']) {
      const { status, json } = await postJson(t, '/', body)
      expect(status).toBe(400)
      expect(json).toEqual({ error: expect.stringMatching(/^ERR /) as unknown })
    }
  })

  it('returns HGETALL as the flat array Upstash sends, not an object', async () => {
    const k = t.key('flat')
    await t.direct.hset(k, 'f', 'v')
    expect((await postJson(t, '/', ['HGETALL', k])).json).toEqual({ result: ['f', 'v'] })
  })

  it('answers a Redis command error with 400 and Redis’s message', async () => {
    const { status, json } = await postJson(t, '/', ['NOSUCHCOMMAND', 'x'])
    expect(status).toBe(400)
    expect(json).toEqual({ error: expect.stringMatching(/^ERR unknown command 'NOSUCHCOMMAND'/) })
  })
})

describe('encoding', () => {
  it('base64-encodes every string, status replies and nested arrays included', async () => {
    const k = t.key('enc')
    const base64 = { 'upstash-encoding': 'base64' }
    expect((await postJson(t, '/', ['SET', k, 'héllo'], base64)).json).toEqual({
      result: b64('OK'),
    })
    expect((await postJson(t, '/', ['GET', k], base64)).json).toEqual({ result: b64('héllo') })
    expect((await postJson(t, '/', ['GET', k])).json).toEqual({ result: 'héllo' })
    expect((await postJson(t, '/', ['STRLEN', k], base64)).json).toEqual({ result: 6 })
    expect((await postJson(t, '/', ['GET', t.key('none')], base64)).json).toEqual({ result: null })
    const nested = ['EVAL', "return {1, {'a', 'b'}, 'c'}", '0']
    expect((await postJson(t, '/', nested, base64)).json).toEqual({
      result: [1, [b64('a'), b64('b')], b64('c')],
    })
    expect((await postJson(t, '/', nested)).json).toEqual({ result: [1, ['a', 'b'], 'c'] })
  })

  it('base64-encodes transaction results but leaves error messages readable', async () => {
    const k = t.key('enc-tx')
    const { json } = await postJson(
      t,
      '/multi-exec',
      [
        ['SET', k, 'v'],
        ['HGET', k, 'f'],
      ],
      { 'upstash-encoding': 'base64' },
    )
    expect(json).toEqual([
      { result: b64('OK') },
      { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
    ])
  })

  it('refuses response formats other than JSON', async () => {
    const { status } = await postJson(t, '/', ['PING'], { 'upstash-response-format': 'resp2' })
    expect(status).toBe(400)
  })
})

describe('pipeline and multi-exec', () => {
  it('runs every pipeline command even when one fails', async () => {
    const k = t.key('pipe')
    const { status, json } = await postJson(t, '/pipeline', [
      ['SET', k, '1'],
      ['HGET', k, 'f'],
      ['INCR', k],
      ['BLPOP', k, '0'],
      ['GET', k],
    ])
    expect(status).toBe(200)
    expect(json).toEqual([
      { result: 'OK' },
      { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
      { result: 2 },
      { error: expect.stringContaining('blocking commands are not supported') as unknown },
      { result: '2' },
    ])
  })

  it('discards a whole transaction when a command cannot be queued', async () => {
    const k = t.key('tx-abort')
    const { status, json } = await postJson(t, '/multi-exec', [
      ['SET', k, 'should not be written'],
      ['NOSUCHCOMMAND'],
    ])
    expect(status).toBe(400)
    expect(json).toEqual({ error: expect.stringMatching(/^EXECABORT .*unknown command/) })
    expect(await t.direct.exists(k)).toBe(0)
  })

  it('answers 400 for an empty pipeline', async () => {
    expect((await postJson(t, '/pipeline', [])).status).toBe(400)
  })
})

describe('limits and refusals', () => {
  it('answers 413 for an oversized body and keeps serving', async () => {
    const small = await startTestGateway({ maxBodyBytes: 1024 })
    try {
      const { status, json } = await postJson(small, '/', [
        'SET',
        small.key('big'),
        'x'.repeat(4096),
      ])
      expect(status).toBe(413)
      expect(json).toEqual({ error: expect.stringContaining('1024 bytes') as unknown })
      expect(await small.direct.exists(small.key('big'))).toBe(0)
      // Without Content-Length (chunked), the limit is enforced on the bytes received.
      const chunk = new TextEncoder().encode(`["SET","${small.key('big')}","${'y'.repeat(600)}`)
      const chunked = await fetch(`${small.gateway.url}/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.token}`, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(chunk)
            controller.enqueue(chunk)
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
      expect(chunked.status).toBe(413)
      expect((await postJson(small, '/', ['PING'])).json).toEqual({ result: 'PONG' })
    } finally {
      await small.cleanup()
    }
  })

  it('refuses blocking and connection-state commands without stalling', async () => {
    // A 400 saying "not supported" means the gateway refused the command itself: sent to Redis, BLPOP … 0 would
    // block until the command timeout (a 504). No wall-clock bound needed.
    for (const command of [['BLPOP', 'k', '0'], ['SUBSCRIBE', 'c'], ['SELECT', '1'], ['MULTI']]) {
      const { status, json } = await postJson(t, '/', command)
      expect(status).toBe(400)
      expect(json).toEqual({ error: expect.stringContaining('not supported') as unknown })
    }
    const xread = ['XREAD', 'BLOCK', '0', 'STREAMS', t.key('stream'), '$']
    expect((await postJson(t, '/', xread)).status).toBe(400)
  })

  it('answers 405 for methods the REST API does not allow', async () => {
    const res = await fetch(`${t.gateway.url}/get/x`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.token}` },
    })
    expect(res.status).toBe(405)
  })
})
