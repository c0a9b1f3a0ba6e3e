import net from 'node:net'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { createLocalNeonPool } from './local-neon.js'
import { PG_URL, rawSession, startupMessage, within } from './test-support.js'
import { startNeonWsProxy, type WsProxy } from './ws-proxy.js'

let proxy: WsProxy

beforeAll(async () => {
  proxy = await startNeonWsProxy()
})
afterAll(() => proxy?.close())

/** Sends raw bytes on a fresh TCP connection to the proxy and returns whatever comes back. */
function rawTcp(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(proxy.port, '127.0.0.1', () => socket.write(bytes))
    let answer = ''
    socket.on('data', (d) => (answer += d.toString()))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(answer))
  })
}

describe('startNeonWsProxy', () => {
  it('returns its URL and port', () => {
    expect(proxy.port).toBeGreaterThan(0)
    expect(proxy.url).toBe(`ws://127.0.0.1:${proxy.port}`)
  })

  it('relays raw Postgres bytes: a StartupMessage gets AuthenticationOk', async () => {
    const ws = new WebSocket(`${proxy.url}/v1?address=127.0.0.1:5432`)
    const first = await within(
      5000,
      'startup',
      new Promise<Buffer>((resolve, reject) => {
        ws.on('open', () => ws.send(startupMessage()))
        ws.once('message', (d) => resolve(d as Buffer))
        ws.on('error', reject)
      }),
    )
    expect(first.subarray(0, 1).toString()).toBe('R') // Authentication
    expect(first.readInt32BE(5)).toBe(0) // AuthenticationOk (trust)
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    ws.close()
    expect(await closed).toBe(1005)
  })

  it('refuses a non-loopback target without ever dialling it', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect')
    try {
      const out = await within(5000, 'refusal', rawSession(`${proxy.url}/v1?address=10.0.0.1:5432`))
      expect(out.code).toBe(1008)
      expect(out.reason).toMatch(/10\.0\.0\.1:5432 is not allowed/)
      expect(out.messages[0]?.subarray(0, 1).toString()).toBe('E')
      expect(out.messages[0]?.toString()).toContain('C08004')
      expect(connect.mock.calls.length).toBeGreaterThan(0) // the test's own client connection
      for (const call of connect.mock.calls) expect(inspect(call)).not.toContain('10.0.0.1')
    } finally {
      connect.mockRestore()
    }
  })

  it('refuses missing or malformed addresses', async () => {
    for (const query of ['', '?address=', '?address=127.0.0.1', '?address=127.0.0.1:99999']) {
      const out = await within(5000, query, rawSession(`${proxy.url}/v1${query}`))
      expect(out.code, query).toBe(1008)
      expect(out.reason, query).toMatch(/address/)
    }
  })

  it('closes with 1011 and a reason when the target port is closed', async () => {
    const listener = net.createServer()
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
    const { port } = listener.address() as net.AddressInfo
    await new Promise<void>((r) => listener.close(() => r()))
    const out = await within(
      5000,
      'closed',
      rawSession(`${proxy.url}/v1?address=127.0.0.1:${port}`),
    )
    expect(out.code).toBe(1011)
    expect(out.reason).toMatch(/ECONNREFUSED/)
  })

  it('answers plain HTTP with 426 and other paths with 404', async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1?address=127.0.0.1:5432`)
    expect(res.status).toBe(426)
    await res.text()
    const ws = new WebSocket(`${proxy.url}/elsewhere?address=127.0.0.1:5432`)
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, r) => {
        resolve(r.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('error', () => undefined)
    })
    expect(status).toBe(404)
  })

  it('survives bad clients and keeps serving', async () => {
    expect(await rawTcp('\x16\x03\x01garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/)
    const noKey = 'GET /v1?address=127.0.0.1:5432 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n'
    expect(await rawTcp(`${noKey}Upgrade: websocket\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/)
    const oddTarget =
      'GET // HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'
    expect(await rawTcp(oddTarget)).toMatch(/^HTTP\/1\.1 404/)

    // A client that vanishes mid-session, and one that sends an invalid (unmasked) frame.
    const abrupt = new WebSocket(`${proxy.url}/v1?address=127.0.0.1:5432`)
    await new Promise((r) => abrupt.on('open', r))
    abrupt.send(startupMessage())
    abrupt.terminate()
    const handshake =
      'GET /v1?address=127.0.0.1:5432 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n' +
      'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
    const answer = await rawTcp(`${handshake}\x82\x05hello`)
    expect(answer).toMatch(/^HTTP\/1\.1 101/)

    const pool = createLocalNeonPool({ connectionString: PG_URL }, proxy.port)
    try {
      expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    } finally {
      await pool.end()
    }
  })
})
