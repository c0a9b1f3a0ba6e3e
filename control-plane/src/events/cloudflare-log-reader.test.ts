/**
 * CloudflareLogReader against a local stand-in for the R2 objects REST API ("List Objects", "Get Object"): the real
 * API is unreachable from here, so a node:http server mimics the documented paths, query and v4 envelope and
 * checks each request. It proves what the reader sends and how it pages and retries, not that Cloudflare answers so.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudflareLogReader } from './cloudflare-log-reader'

const BASE = '/client/v4/accounts/acc-1/r2/buckets/recsys-logs/objects'
const keys = [
  't1/2026-11-21/10/event-a.ndjson',
  't1/2026-11-21/10/event-b.ndjson',
  't1/2026-11-21/11/x.ndjson',
]
const violations: string[] = []
let fail503 = 1
let server: http.Server
let url: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.headers.authorization !== 'Bearer tok') violations.push('authorization')
    if (fail503-- > 0)
      return json(503, { success: false, errors: [{ code: 10001, message: 'busy' }] })
    if (u.pathname === BASE) {
      const prefix = u.searchParams.get('prefix') ?? ''
      if (u.searchParams.get('per_page') !== '2') violations.push('per_page')
      const from = Number(u.searchParams.get('cursor') ?? 0)
      const all = keys.filter((k) => k.startsWith(prefix))
      const page = all.slice(from, from + 2)
      const more = from + 2 < all.length
      return json(200, {
        success: true,
        errors: [],
        result: page.map((key) => ({ key, size: key.length, etag: 'e' })),
        result_info: { cursor: more ? String(from + 2) : '', is_truncated: more, per_page: 2 },
      })
    }
    const key = u.pathname.startsWith(`${BASE}/`)
      ? u.pathname
          .slice(BASE.length + 1)
          .split('/')
          .map(decodeURIComponent)
          .join('/')
      : ''
    if (!keys.includes(key))
      return json(404, { success: false, errors: [{ code: 10007, message: 'no such object' }] })
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    res.end(`{"key":"${key}"}\n`)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('CloudflareLogReader', () => {
  const reader = () =>
    new CloudflareLogReader({
      accountId: 'acc-1',
      bucket: 'recsys-logs',
      apiToken: 'tok',
      baseUrl: url,
      perPage: 2,
      retryBaseMs: 1,
    })

  it('lists a prefix page by page (retrying a 503), and reads objects; a missing one throws', async () => {
    const r = reader()
    const first = await r.list('t1/2026-11-21/')
    expect(first).toEqual({
      objects: keys.slice(0, 2).map((key) => ({ key, size: key.length })),
      cursor: '2',
    })
    expect(await r.list('t1/2026-11-21/', first.cursor!)).toEqual({
      objects: [{ key: keys[2], size: keys[2]!.length }],
      cursor: null,
    })
    expect(Buffer.from(await r.get(keys[0]!)).toString()).toBe(`{"key":"${keys[0]}"}\n`)
    await expect(r.get('t1/nope')).rejects.toThrow(/404/)
    expect(violations).toEqual([])
  })
})
