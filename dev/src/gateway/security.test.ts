import { request } from 'node:http'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostName } from './request-guard.js'
import { startTestGateway, type TestGateway } from './test-support.js'

/**
 * What a web page could make a browser send to the local gateway: the token in the query (a link, a form), a
 * `text/plain` or form POST (no CORS preflight), an `Origin` header, a rebound `Host`. Each must be refused before
 * any command runs. The commands used are SETs of this run's keys, never anything that touches other keys.
 */
let t: TestGateway

beforeAll(async () => {
  t = await startTestGateway({ allowedHosts: ['redis-gateway.internal'] })
})
afterAll(async () => {
  await t?.cleanup()
})

/** One raw request with exactly these headers (fetch would add or forbid some). */
function send(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const url = new URL(t.gateway.url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }))
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

const bearer = () => ({ authorization: `Bearer ${t.token}` })
const json = { 'content-type': 'application/json' }

describe('the gateway refuses what a web page could send', () => {
  it('refuses the token as a _token query parameter (a link or a form could carry it)', async () => {
    const k = t.key('query-token')
    const got = await send(`/set/${encodeURIComponent(k)}/pwned?_token=${t.token}`)
    expect(got.status).toBe(401)
    expect(got.json).toEqual({ error: expect.stringContaining('Authorization: Bearer') as unknown })
    const posted = await send(`/?_token=${t.token}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(['SET', k, 'pwned']),
    })
    expect(posted.status).toBe(401)
    expect(await t.direct.exists(k)).toBe(0)
  })

  it('refuses text/plain, form and untyped POSTs (sent cross-origin without a preflight) with 415', async () => {
    const k = t.key('plain')
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const r = await send('/', {
        method: 'POST',
        headers: { ...bearer(), ...(type ? { 'content-type': type } : {}) },
        body: JSON.stringify(['SET', k, 'pwned']),
      })
      expect(r.status, String(type)).toBe(415)
    }
    expect(await t.direct.exists(k)).toBe(0)
  })

  it('refuses any request with an Origin header, even with the right token', async () => {
    const k = t.key('origin')
    for (const origin of ['https://evil.example', 'null', `${t.gateway.url}`]) {
      const r = await send('/', {
        method: 'POST',
        headers: { ...bearer(), ...json, origin },
        body: JSON.stringify(['SET', k, 'pwned']),
      })
      expect(r.status, origin).toBe(403)
    }
    expect(
      (await send(`/get/${encodeURIComponent(k)}`, { headers: { ...bearer(), origin: 'x' } }))
        .status,
    ).toBe(403)
    expect(await t.direct.exists(k)).toBe(0)
  })

  it('refuses a Host that is neither loopback nor configured (DNS rebinding), and takes those that are', async () => {
    const k = t.key('host')
    const port = new URL(t.gateway.url).port
    const set = (host: string, value: string) =>
      send('/', {
        method: 'POST',
        headers: { ...bearer(), ...json, host },
        body: JSON.stringify(['SET', k, value]),
      })
    expect((await set(`evil.example:${port}`, 'pwned')).status).toBe(403)
    expect((await set('127.0.0.1.nip.io', 'pwned')).status).toBe(403)
    expect(await t.direct.exists(k)).toBe(0)
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
      'redis-gateway.internal:80',
    ]) {
      expect((await set(host, host)).status, host).toBe(200)
      expect(await t.direct.get(k)).toBe(host)
    }
  })

  it('still serves the real @upstash/redis client (bearer header, JSON bodies, no Origin)', async () => {
    const redis = new Redis({ url: t.gateway.url, token: t.token, enableTelemetry: false })
    const k = t.key('client')
    expect(await redis.set(k, 'ok')).toBe('OK')
    expect(await redis.get(k)).toBe('ok')
    const p = redis.pipeline()
    p.incr(t.key('n'))
    p.get(k)
    expect(await p.exec()).toEqual([1, 'ok'])
  })

  it('takes the host name of a Host header without port or brackets', () => {
    expect(hostName('LocalHost:8079')).toBe('localhost')
    expect(hostName('[::1]:8079')).toBe('::1')
    expect(hostName('::1')).toBe('::1')
    expect(hostName('127.0.0.1')).toBe('127.0.0.1')
  })
})
