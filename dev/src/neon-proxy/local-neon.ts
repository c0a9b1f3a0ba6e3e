import {
  Client,
  Pool,
  neonConfig,
  type ClientConfig,
  type NeonConfigGlobalAndClient,
  type PoolConfig,
} from '@neondatabase/serverless'
import { WebSocket } from 'ws'
import { PROXY_PATH } from './ws-proxy.js'

/** The neonConfig settings (v1.2.0) that send plain Postgres through a local ws→TCP proxy. */
export type LocalNeonSettings = Pick<
  NeonConfigGlobalAndClient,
  | 'webSocketConstructor'
  | 'wsProxy'
  | 'useSecureWebSocket'
  | 'forceDisablePgSSL'
  | 'pipelineConnect'
  | 'pipelineTLS'
  | 'coalesceWrites'
>

/** Settings for a proxy on 127.0.0.1:`proxyPort` (ws://, no TLS, no password pipelining). */
export function localNeonSettings(proxyPort: number): LocalNeonSettings {
  return {
    // Node 20 has no global WebSocket; the `ws` package provides one.
    webSocketConstructor: WebSocket,
    // The driver prefixes ws:// (useSecureWebSocket false) and connects to the result.
    wsProxy: (host, port) => `127.0.0.1:${proxyPort}${PROXY_PATH}?address=${host}:${port}`,
    useSecureWebSocket: false,
    // Never send SSLRequest: with it (and ?sslmode=require) the driver would need subtls.
    forceDisablePgSSL: true,
    // 'password' (the default) sends a cleartext PasswordMessage right after the StartupMessage,
    // before the server asks. Only cleartext-password servers accept it; under trust Postgres
    // answers "invalid frontend message type 112" (and the driver throws it outside any promise).
    pipelineConnect: false,
    // Only Neon hosts accept a pipelined SSLRequest + ClientHello.
    pipelineTLS: false,
    coalesceWrites: true,
  }
}

/**
 * Points @neondatabase/serverless at a local ws→TCP proxy (no TLS). Call before creating a Pool.
 * This sets the driver's GLOBAL `neonConfig` (every Pool/Client created afterwards in this
 * process); prefer `createLocalNeonPool`, which leaves the global config alone.
 */
export function useLocalNeonProxy(proxyPort: number): void {
  Object.assign(neonConfig, localNeonSettings(proxyPort))
}

/**
 * A real Neon `Pool` whose clients use the local proxy through their per-client `neonConfig`
 * (1.2.0 has no per-Pool config option, so the pool is given a Client class that applies it).
 */
export function createLocalNeonPool(config: PoolConfig, proxyPort: number): Pool {
  const settings = localNeonSettings(proxyPort)
  class LocalNeonClient extends Client {
    constructor(clientConfig?: string | ClientConfig) {
      super(clientConfig)
      Object.assign(this.neonConfig, settings)
    }
  }
  const pool = new Pool(config)
  pool.Client = LocalNeonClient
  return pool
}
