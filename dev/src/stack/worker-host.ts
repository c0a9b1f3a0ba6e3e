/**
 * Hosts one Worker on wrangler's local dev engine in its own process (spawned by `startWranglerDev`), so that
 * wrangler's Node side never shares an event loop with a load generator or with the rest of the local stack.
 * argv[2]: JSON of `HostOptions`. Prints `ready <url>` once serving; stops on SIGTERM or SIGINT.
 */
import path from 'node:path'
import { unstable_startWorker } from 'wrangler'

export interface HostOptions {
  config: string
  port: number
  persistTo: string
  vars: Record<string, string>
  inspector: boolean
}

const opts = JSON.parse(process.argv[2] ?? '{}') as HostOptions
process.env.WRANGLER_SEND_METRICS ??= 'false'

const worker = await unstable_startWorker({
  config: path.resolve(opts.config),
  bindings: Object.fromEntries(
    Object.entries(opts.vars).map(([k, v]) => [k, { type: 'plain_text' as const, value: v }]),
  ),
  dev: {
    remote: false,
    inspector: opts.inspector ? { hostname: '127.0.0.1' } : false,
    server: { hostname: '127.0.0.1', port: opts.port },
    persist: path.resolve(opts.persistTo),
    logLevel: 'warn',
    watch: false,
  },
})
await worker.ready
console.log(`ready http://127.0.0.1:${opts.port}`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await worker.dispose().catch(() => undefined)
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
