import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { HostOptions } from './worker-host'

export interface WranglerDevOptions {
  /** wrangler config file (absolute or relative to the working directory). */
  config: string
  port: number
  /** Local persistence (KV, R2, Queues): the same state `wrangler kv … --local --persist-to` writes. */
  persistTo: string
  /** Plain-text vars and secrets, as `wrangler dev --var` would give them. */
  vars?: Record<string, string>
  /** Path polled until it answers 200 (default `/`). */
  readyPath?: string
  readyTimeoutMs?: number
  /**
   * The devtools inspector. Off by default: with it on, workerd reports every subrequest to the inspector
   * (Network domain), which costs about 3.5× the throughput of a Worker that makes one fetch per request.
   */
  inspector?: boolean
  /** Receives the host's output lines (default: dropped). */
  log?: (line: string) => void
}

export interface RunningWorker {
  url: string
  /** The host process; wrangler's workerd processes are its descendants (benchmarks read their CPU time). */
  pid?: number
  stop(): Promise<void>
}

const require = createRequire(import.meta.url)

/** The wrangler CLI of this repository (pinned in package-lock.json), for the commands that need it. */
export const wranglerBin = (): string => require.resolve('wrangler/bin/wrangler.js')

/**
 * Runs a Worker locally with wrangler's own dev engine (the one behind `wrangler dev`: offline, on loopback) in a
 * child process, and resolves once `readyPath` answers 200.
 */
export async function startWranglerDev(opts: WranglerDevOptions): Promise<RunningWorker> {
  const host: HostOptions = {
    config: path.resolve(opts.config),
    port: opts.port,
    persistTo: path.resolve(opts.persistTo),
    vars: opts.vars ?? {},
    inspector: opts.inspector ?? false,
  }
  const child = spawn(
    process.execPath,
    [
      '--import',
      require.resolve('tsx'),
      path.join(import.meta.dirname, 'worker-host.ts'),
      JSON.stringify(host),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  const lines: string[] = []
  const onData = (buf: Buffer) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue
      lines.push(line)
      if (lines.length > 100) lines.shift()
      opts.log?.(line)
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const url = `http://127.0.0.1:${opts.port}`
  const stop = () => kill(child)
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000)
  let last = 'no answer'
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(url + (opts.readyPath ?? '/'))
      if (res.status === 200) return { url, pid: child.pid, stop }
      last = `${res.status} ${(await res.text()).slice(0, 200)}`
    } catch (e) {
      last = String(e)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(
    `worker ${opts.config} did not become ready on ${url} (${last}):\n${lines.slice(-30).join('\n')}`,
  )
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
