import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

export interface WranglerDevOptions {
  /** wrangler config file (absolute or relative to the repository root). */
  config: string
  port: number
  /** Local persistence (KV, R2, Queues) — the state `wrangler kv … --local --persist-to` writes too. */
  persistTo: string
  vars?: Record<string, string>
  /** Path polled until it answers 200 (default `/`). */
  readyPath?: string
  readyTimeoutMs?: number
  /** Receives wrangler's output lines (default: dropped). */
  log?: (line: string) => void
}

export interface RunningWorker {
  url: string
  stop(): Promise<void>
}

const require = createRequire(import.meta.url)

/** The wrangler CLI of this repository (pinned in package-lock.json). */
export const wranglerBin = (): string => require.resolve('wrangler/bin/wrangler.js')

/** Runs `wrangler dev` offline on loopback and resolves once `readyPath` answers 200. */
export async function startWranglerDev(opts: WranglerDevOptions): Promise<RunningWorker> {
  const args = [
    wranglerBin(),
    'dev',
    '--config',
    path.resolve(opts.config),
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--persist-to',
    path.resolve(opts.persistTo),
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
    ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ]
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    detached: true,
  })
  const lines: string[] = []
  const onData = (buf: Buffer) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue
      lines.push(line)
      if (lines.length > 200) lines.shift()
      opts.log?.(line)
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const url = `http://127.0.0.1:${opts.port}`
  const stop = () => kill(child)
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      const res = await fetch(url + (opts.readyPath ?? '/'))
      if (res.status === 200) return { url, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(
    `wrangler dev (${opts.config}) did not become ready on ${url}:\n${lines.slice(-30).join('\n')}`,
  )
}

/** Stops wrangler and the workerd it started (its whole process group). */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }, 5000)
  await exited
  clearTimeout(timer)
}
