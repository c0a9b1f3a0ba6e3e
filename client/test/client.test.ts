import { afterEach, describe, expect, it } from 'vitest'
import { createClient, RecsysError } from '../src/index.js'
import { scriptedServer } from './scripted-server'

/**
 * The client against a real HTTP server that answers from a script (the edge's failures on demand: 503, 429 with
 * Retry-After, HTML from a proxy, no answer). Its calls against the real edge are in edge/test/client-sdk.test.ts.
 * Waits between attempts are recorded, not slept.
 */
const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function setup(script: Parameters<typeof scriptedServer>[0], over = {}) {
  const server = await scriptedServer(script)
  servers.push(server)
  const waits: number[] = []
  const client = createClient({
    baseUrl: `${server.url}/`,
    apiKey: 'rk_test',
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    ...over,
  })
  return { server, client, waits }
}

const envelope = (code: string, message = code.toLowerCase()) => ({
  error: { code, message, request_id: `req-${code}` },
})
const slate = { request_id: 'r', slate_id: 's', items: [], metadata: { tier: 'cached_user' } }

describe('@recsys/client', () => {
  it('sends the key, the JSON body and the method of each call, and returns the parsed answer', async () => {
    const { server, client } = await setup([
      { status: 200, body: slate },
      { status: 202, body: { accepted: 1, duplicates: 0, rejected: [] } },
      { status: 204 },
      { status: 202, body: { user_id: 'u 1/x', purged: true } },
    ])
    const req = { surface: 'home_feed', subject: { user_id: 'u1' }, limit: 5 }
    expect(await client.recommend(req)).toEqual(slate)
    const event = {
      event_id: 'e1',
      type: 'view' as const,
      user_id: 'u1',
      item_id: 'i1',
      event_time: '2026-12-08T00:00:00Z',
    }
    expect(await client.sendEvents([event])).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    expect(await client.setConsent('u1', false)).toBeUndefined()
    expect(await client.deleteUser('u 1/x')).toEqual({ user_id: 'u 1/x', purged: true })
    expect(server.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v1/recommendations',
      'POST /v1/events',
      'PUT /v1/users/u1/consent',
      'DELETE /v1/users/u%201%2Fx',
    ])
    expect(server.seen.every((s) => s.headers.authorization === 'Bearer rk_test')).toBe(true)
    expect(JSON.parse(server.seen[0]!.body)).toEqual(req)
    expect(JSON.parse(server.seen[1]!.body)).toEqual({ events: [event] })
    expect(JSON.parse(server.seen[2]!.body)).toEqual({ personalization: false })
    expect(server.seen[3]!.body).toBe('')
  })

  it('retries 503 with exponential back-off and full jitter, then succeeds', async () => {
    const { server, client, waits } = await setup(
      [
        { status: 503, body: envelope('UNAVAILABLE') },
        { status: 503, body: envelope('UNAVAILABLE') },
        { status: 200, body: slate },
      ],
      { backoffMs: 100, retries: 3 },
    )
    expect(await client.recommend({ surface: 'home_feed', subject: { user_id: 'u1' } })).toEqual(
      slate,
    )
    expect(server.seen).toHaveLength(3)
    // random() = 0.5: half of 100, then half of 200.
    expect(waits).toEqual([50, 100])
  })

  it('waits what Retry-After says on a 429, and gives up after the retries with the typed error', async () => {
    const { server, client, waits } = await setup(
      [
        {
          status: 429,
          body: envelope('RATE_LIMITED', 'slow down'),
          headers: { 'retry-after': '2' },
        },
      ],
      { retries: 2 },
    )
    const e = await client
      .sendEvents([
        {
          event_id: 'e',
          type: 'hide',
          user_id: 'u',
          item_id: 'i',
          event_time: '2026-12-08T00:00:00Z',
        },
      ])
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(RecsysError)
    expect(e).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'slow down',
      status: 429,
      requestId: 'req-RATE_LIMITED',
      attempts: 3,
      retryable: true,
    })
    expect(server.seen).toHaveLength(3)
    expect(waits).toEqual([2000, 2000])
    // The same event ids each time: the edge counts a retried event once.
    expect(new Set(server.seen.map((s) => s.body)).size).toBe(1)
  })

  it('does not retry what a retry cannot fix, and reads the envelope', async () => {
    for (const [status, code] of [
      [400, 'BAD_REQUEST'],
      [401, 'UNAUTHORIZED'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
      [413, 'PAYLOAD_TOO_LARGE'],
    ] as const) {
      const { server, client, waits } = await setup([{ status, body: envelope(code) }])
      const e = await client.setConsent('u1', true).catch((x: unknown) => x)
      expect(e).toMatchObject({ code, status, attempts: 1, retryable: false })
      expect(server.seen).toHaveLength(1)
      expect(waits).toEqual([])
    }
  })

  it('names what came instead of an envelope: a proxy page, a 200 that is not JSON', async () => {
    const { client } = await setup([
      { status: 502, raw: '<html>bad gateway</html>', headers: { 'x-request-id': 'px-1' } },
      { status: 200, raw: 'not json' },
    ])
    await expect(client.deleteUser('u1')).rejects.toMatchObject({
      code: 'INTERNAL',
      status: 502,
      requestId: 'px-1',
      message: 'DELETE /v1/users/u1: HTTP 502',
    })
    await expect(
      client.recommend({ surface: 'home_feed', subject: { anonymous_id: 'a1' } }),
    ).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 200 })
  })

  it('gives each attempt its time limit, retries a timeout, and reports TIMEOUT', async () => {
    const { server, client, waits } = await setup(['hang'], { timeoutMs: 50, retries: 1 })
    await expect(
      client.recommend({ surface: 'home_feed', subject: { user_id: 'u1' } }),
    ).rejects.toMatchObject({ code: 'TIMEOUT', attempts: 2, retryable: true })
    expect(server.seen).toHaveLength(2)
    expect(waits).toHaveLength(1)
  })

  it('reports a refused connection as NETWORK', async () => {
    const server = await scriptedServer([{ status: 200, body: slate }])
    await server.close()
    const down = createClient({ baseUrl: server.url, apiKey: 'k', retries: 0 })
    await expect(down.deleteUser('u1')).rejects.toMatchObject({ code: 'NETWORK', attempts: 1 })
  })

  it('refuses options it cannot work with', () => {
    expect(() => createClient({ baseUrl: 'edge.example.com', apiKey: 'k' })).toThrow(
      /http\(s\) URL/,
    )
    expect(() => createClient({ baseUrl: 'https://edge.example.com', apiKey: '' })).toThrow(
      /apiKey is required/,
    )
  })
})
