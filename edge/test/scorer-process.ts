import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

/** The real scorer (`gpu-scorer/src/main.ts`) as a child process, for the edge's fault tests (Node side). */
export interface ScorerProcess {
  url: string
  stop(): Promise<void>
}

export const SCORER_MAIN = path.resolve('gpu-scorer/src/main.ts')
const TSX = path.resolve('node_modules/tsx/dist/cli.mjs')

/**
 * Starts the scorer on `port` over the store in `dataDir`, waits for its `scorer listening on` line and for
 * `GET /healthz` to answer 200 (a model is loaded). Fails with the process's last output when it exits or does not
 * get healthy within `timeoutMs`; the process is killed then.
 */
export async function startScorer(opts: {
  port: number
  dataDir: string
  token: string
  timeoutMs?: number
}): Promise<ScorerProcess> {
  if (!existsSync(SCORER_MAIN))
    throw new Error(`the scorer is not in this checkout: ${SCORER_MAIN}`)
  const timeoutMs = opts.timeoutMs ?? 60_000
  const child = spawn(process.execPath, [TSX, SCORER_MAIN], {
    env: {
      ...process.env,
      SCORER_HOST: '127.0.0.1',
      SCORER_PORT: String(opts.port),
      SCORER_DATA_DIR: opts.dataDir,
      SCORER_TOKEN: opts.token,
      SCORER_POLL_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let listening = false
  const onData = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-4000)
    if (output.includes('scorer listening on')) listening = true
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`))

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await gone
    clearTimeout(timer)
  }

  const url = `http://127.0.0.1:${opts.port}`
  const t0 = Date.now()
  while (Date.now() - t0 < timeoutMs) {
    if (exited) break
    if (listening) {
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
        if (res.status === 200) return { url, stop }
      } catch {
        // not answering yet
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop()
  throw new Error(
    `the scorer did not get healthy (${exited ?? `no 200 from ${url}/healthz within ${timeoutMs} ms`}); ` +
      `its last output:\n${output}`,
  )
}
