import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const root = path.resolve(import.meta.dirname, '../../..')

export interface ServiceProcess<T> {
  /** What the ready line said. */
  ready: T
  pid: number
  stop(): Promise<void>
}

/**
 * Runs one of the project's Node services (`script`, relative to the repository root) as a child process under
 * tsx, as production runs it: configured by its environment. Resolves when `isReady` recognises a line of its
 * stdout; every line goes to `log`. Rejects when it exits or is not ready in time, with its stderr.
 */
export async function startServiceProcess<T>(opts: {
  name: string
  script: string
  env: Record<string, string>
  isReady: (line: string) => T | undefined
  log?: (line: string) => void
  readyTimeoutMs?: number
}): Promise<ServiceProcess<T>> {
  const child = spawn(
    process.execPath,
    ['--import', require.resolve('tsx'), path.join(root, opts.script)],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  )
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const stderr: string[] = []
  child.stderr.on('data', (b: Buffer) => {
    stderr.push(b.toString())
    if (stderr.length > 200) stderr.shift()
  })
  const ready = new Promise<T>((resolve) => {
    let buf = ''
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        opts.log?.(line)
        const doc = opts.isReady(line)
        if (doc !== undefined) resolve(doc)
      }
    })
  })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the ${opts.name} did not start in time`)),
      opts.readyTimeoutMs ?? 60_000,
    )
  })
  const failed = exited.then((code) => {
    throw new Error(`the ${opts.name} exited (${code}): ${stderr.join('').trim()}`)
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  try {
    const doc = await Promise.race([ready, timeout, failed])
    return { ready: doc, pid: child.pid!, stop }
  } catch (e) {
    await stop()
    throw e
  } finally {
    clearTimeout(timer)
    failed.catch(() => undefined)
  }
}
