import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'
import { bridge, closeReason, toBuffer } from './bridge.js'
import { dial } from './dial.js'
import { SQLSTATE_REJECTED, SQLSTATE_UNREACHABLE, pgErrorResponse } from './pg-error.js'
import { formatTarget, parseTarget, refusal, targetPolicy, type Target } from './target.js'

/** How to start the proxy; everything is optional. */
export interface WsProxyOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number
  /** Interface to bind. Default 127.0.0.1. */
  host?: string
  /** Exact `host:port` targets clients may ask for. Default: any port on a loopback host. */
  allowedTargets?: string[]
  /** How long connecting to the target may take before the client gets an error (ms). Default 5000. */
  connectTimeoutMs?: number
}

/** A running proxy. */
export interface WsProxy {
  /** ws://host:port of the proxy itself. */
  url: string
  port: number
  /** Stops listening, drops every proxied connection, and resolves once the server is closed. */
  close(): Promise<void>
}

/** The path the Neon driver is pointed at (see `useLocalNeonProxy`). */
export const PROXY_PATH = '/v1'

/**
 * Starts a WebSocket→TCP proxy of the kind `@neondatabase/serverless` expects:
 * `ws://host:port/v1?address=<pg-host>:<pg-port>` carries raw Postgres wire bytes to that target.
 * Refused or unreachable targets get a Postgres FATAL ErrorResponse and then a close frame.
 */
export async function startNeonWsProxy(opts: WsProxyOptions = {}): Promise<WsProxy> {
  const host = opts.host ?? '127.0.0.1'
  const policy = targetPolicy(opts.allowedTargets)
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000
  const upstreams = new Set<Socket>()
  let closing: Promise<void> | undefined

  const wss = new WebSocketServer({ noServer: true })
  wss.on('error', () => undefined)
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' })
    res.end(`WebSocket only: GET ${PROXY_PATH}?address=host:port with Upgrade: websocket\n`)
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined)
    if (closing) return void socket.destroy()
    if (requestUrl(req)?.pathname !== PROXY_PATH) {
      return rejectHandshake(
        socket,
        '404 Not Found',
        `no WebSocket endpoint here; use ${PROXY_PATH}`,
      )
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req))
  })

  function accept(ws: WebSocket, req: IncomingMessage): void {
    ws.on('error', () => undefined)
    const address = requestUrl(req)?.searchParams.get('address') ?? null
    const parsed = parseTarget(address)
    if (!parsed.ok) return refuse(ws, 1008, SQLSTATE_REJECTED, parsed.reason)
    const refused = refusal(policy, parsed.target)
    if (refused !== undefined) return refuse(ws, 1008, SQLSTATE_REJECTED, refused)
    connectUpstream(ws, parsed.target)
  }

  function connectUpstream(ws: WebSocket, target: Target): void {
    // Hold the client's first bytes (its StartupMessage) until the target answers.
    const early: Buffer[] = []
    const hold = (data: Parameters<typeof toBuffer>[0]): void => void early.push(toBuffer(data))
    ws.on('message', hold)
    ws.pause()
    const abort = new AbortController()
    ws.once('close', () => abort.abort())
    const loopbackOnly = policy.kind === 'loopback'
    dial(target, { loopbackOnly, timeoutMs: connectTimeoutMs, signal: abort.signal }).then(
      (tcp) => {
        ws.off('message', hold)
        if (ws.readyState !== WebSocket.OPEN || closing) return void tcp.destroy()
        upstreams.add(tcp)
        tcp.once('close', () => upstreams.delete(tcp))
        for (const chunk of early) tcp.write(chunk)
        bridge(ws, tcp)
        ws.resume()
      },
      (err: Error & { code?: string }) => {
        ws.resume()
        if (ws.readyState !== WebSocket.OPEN) return
        const why = `could not connect to ${formatTarget(target)}: ${err.code ?? err.message}`
        refuse(ws, 1011, SQLSTATE_UNREACHABLE, why)
      },
    )
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', () => undefined)
  const { port } = server.address() as AddressInfo

  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
        const upstreamsClosed = [...upstreams].map(
          (tcp) => new Promise<void>((resolve) => tcp.once('close', () => resolve())),
        )
        for (const ws of wss.clients) ws.terminate()
        for (const tcp of upstreams) tcp.destroy()
        server.closeAllConnections()
        wss.close()
        await Promise.all([serverClosed, ...upstreamsClosed])
      })()
      return closing
    },
  }
}

/** Tells a Postgres client why (FATAL ErrorResponse), then closes the WebSocket with `code`. */
function refuse(ws: WebSocket, code: number, sqlState: string, message: string): void {
  const text = `neon-ws-proxy: ${message}`
  ws.send(pgErrorResponse(sqlState, text), { binary: true })
  ws.close(code, closeReason(text))
}

/** The request target as a URL; undefined when it does not parse (e.g. `//`). */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://proxy')
  } catch {
    return undefined
  }
}

function rejectHandshake(socket: Duplex, status: string, text: string): void {
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  )
}
