import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { freePort } from '@recsys/dev/net/free-port'

const require = createRequire(import.meta.url)
const main = path.resolve(import.meta.dirname, '../../dev/src/gateway/main.ts')

export interface GatewayProcess {
  url: string
  pid?: number
  close(): Promise<void>
}

/**
 * The Upstash-compatible gateway (dev/src/gateway) in its own Node process, as Upstash is a service of its own: in
 * the benchmark's process it would share an event loop with the load generator, and every user-state read of the
 * Worker under test would wait for the generator's turn (and the generator for the gateway's).
 */
export async function startGatewayProcess(opts: {
  redisUrl: string
  token: string
}): Promise<GatewayProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', require.resolve('tsx'), main], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      UPSTASH_GATEWAY_PORT: String(port),
      REDIS_URL: opts.redisUrl,
      UPSTASH_REDIS_REST_TOKEN: opts.token,
    },
  })
  let err = ''
  child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString()
      const m = /listening on (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) =>
      reject(new Error(`the gateway exited with ${code} before listening: ${err}`)),
    )
  })
  return {
    url,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
