import { lookup } from 'node:dns/promises'
import { connect, type Socket } from 'node:net'
import { isLoopbackAddress, type Target } from './target.js'

/** How to open the TCP side of a proxied connection. */
export interface DialOptions {
  /** Connect only to loopback addresses, even if a name resolves elsewhere. */
  loopbackOnly: boolean
  /** Per-address connect timeout (ms). */
  timeoutMs: number
  /** Aborts the attempt (the WebSocket went away). */
  signal: AbortSignal
}

/** Resolves the target and connects to its addresses in turn; rejects with the last error. */
export async function dial(target: Target, opts: DialOptions): Promise<Socket> {
  const resolved = await lookup(target.host, { all: true, verbatim: true })
  const addresses = resolved
    .map((r) => r.address)
    .filter((a) => !opts.loopbackOnly || isLoopbackAddress(a))
  if (addresses.length === 0) throw new Error(`${target.host} has no loopback address`)
  let last: unknown
  for (const address of addresses) {
    if (opts.signal.aborted) break
    try {
      return await connectOnce(address, target.port, opts)
    } catch (err) {
      last = err
    }
  }
  throw last ?? new Error('aborted')
}

function connectOnce(host: string, port: number, opts: DialOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const timer = setTimeout(() => {
      fail(Object.assign(new Error(`ETIMEDOUT after ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' }))
    }, opts.timeoutMs)
    const onAbort = (): void => fail(new Error('aborted'))
    opts.signal.addEventListener('abort', onAbort, { once: true })
    const cleanup = (): void => {
      clearTimeout(timer)
      opts.signal.removeEventListener('abort', onAbort)
      socket.off('connect', succeed)
      socket.off('error', fail)
    }
    function fail(err: Error): void {
      cleanup()
      socket.destroy()
      reject(err)
    }
    function succeed(): void {
      cleanup()
      socket.setNoDelay(true)
      resolve(socket)
    }
    socket.once('connect', succeed)
    socket.once('error', fail)
  })
}
