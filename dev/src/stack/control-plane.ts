import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const root = path.resolve(import.meta.dirname, '../../..')

export interface RunningControlPlane {
  url: string
  docs: string
  tokenFile: string
  stop(): Promise<void>
}

/**
 * Runs the control plane (control-plane/src/main.ts) as a child process, as production runs it: configured by
 * its environment, logging JSON lines; resolves on its `ready` line. Its log lines go to `log`.
 */
export async function startControlPlaneProcess(opts: {
  env: Record<string, string>
  log?: (line: string) => void
  readyTimeoutMs?: number
}): Promise<RunningControlPlane> {
  const child = spawn(
    process.execPath,
    ['--import', require.resolve('tsx'), path.join(root, 'control-plane/src/main.ts')],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  )
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const stderr: string[] = []
  child.stderr.on('data', (b: Buffer) => stderr.push(b.toString()))
  const ready = new Promise<{ url: string; docs: string; token_file: string }>((resolve) => {
    let buf = ''
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        opts.log?.(line)
        try {
          const doc = JSON.parse(line) as {
            msg?: string
            url: string
            docs: string
            token_file: string
          }
          if (doc.msg === 'ready') resolve(doc)
        } catch {
          /* not JSON */
        }
      }
    })
  })
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error('the control plane did not start in time')),
      opts.readyTimeoutMs ?? 60_000,
    ).unref(),
  )
  const failed = exited.then((code) => {
    throw new Error(`the control plane exited (${code}): ${stderr.join('').trim()}`)
  })
  const doc = await Promise.race([ready, timeout, failed])
  failed.catch(() => undefined)
  return {
    url: doc.url,
    docs: doc.docs,
    tokenFile: doc.token_file,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}
