import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleRequest, type HandlerSettings } from './handler.js'
import { openRedisConnection } from './redis-connection.js'
import { hostName, LOOPBACK_HOSTS } from './request-guard.js'
import { sendJson } from './respond.js'

const WILDCARDS = new Set(['0.0.0.0', '::'])

/** How to start the gateway; only `token` is required. */
export interface GatewayOptions {
  /** TCP port; 0 picks a free one. Default 8079. */
  port?: number
  /** Interface to bind. Default 127.0.0.1. */
  host?: string
  /**
   * Host names (besides loopback and `host`) that requests may carry in their Host header, e.g. the name a
   * container reaches the gateway by. Others are refused with 403, so a DNS-rebinding page cannot drive it.
   */
  allowedHosts?: readonly string[]
  /** The Redis behind the gateway. Default redis://127.0.0.1:6379. */
  redisUrl?: string
  /** The bearer token clients must present (UPSTASH_REDIS_REST_TOKEN). */
  token: string
  /** Largest accepted request body in bytes; larger ones get 413. Default 10 MiB. */
  maxBodyBytes?: number
  /** How long one Redis command may take before the request fails with 504 (ms). Default 5000. */
  commandTimeoutMs?: number
  /** Where connection events and unexpected errors go. Default: nowhere. */
  log?: (line: string) => void
}

/** A running gateway. */
export interface Gateway {
  /** Base URL to give @upstash/redis as `url`, e.g. http://127.0.0.1:8079. */
  url: string
  port: number
  /** Stops accepting requests, drops open connections, and disconnects from Redis. */
  close(): Promise<void>
}

/**
 * Starts an HTTP server that speaks the Upstash Redis REST protocol in front of a real Redis.
 * It starts even when Redis is unreachable (requests then fail fast with 503) and picks Redis up
 * when it comes back.
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  if (opts.token === '') throw new Error('startGateway: token must not be empty')
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? (() => undefined)
  const connection = await openRedisConnection({
    url: opts.redisUrl ?? 'redis://127.0.0.1:6379',
    commandTimeoutMs: opts.commandTimeoutMs ?? 5000,
    connectTimeoutMs: 2000,
    log,
  })
  const settings: HandlerSettings = {
    ctx: connection,
    token: opts.token,
    maxBodyBytes: opts.maxBodyBytes ?? 10 * 1024 * 1024,
    // A wildcard bind address is no name a client uses: it is not added.
    allowedHosts: new Set(
      [...LOOPBACK_HOSTS, ...(WILDCARDS.has(host) ? [] : [host]), ...(opts.allowedHosts ?? [])].map(
        hostName,
      ),
    ),
  }
  const server = createServer((req, res) => {
    handleRequest(settings, req, res).catch((err: unknown) => {
      log(`gateway: unexpected error on ${req.method} ${req.url}: ${String(err)}`)
      if (!res.headersSent) sendJson(res, 500, { error: `internal gateway error: ${String(err)}` })
      else res.destroy()
    })
  })
  try {
    await listen(server, opts.port ?? 8079, host)
  } catch (err) {
    await connection.close()
    throw err
  }
  const port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Idle keep-alive sockets would otherwise hold close() open until they time out.
      server.closeAllConnections()
      await closed
      await connection.close()
    },
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
