import { startServiceProcess } from './service-process'

export interface RunningControlPlane {
  url: string
  docs: string
  tokenFile: string
  /** The process id (peak memory is read from /proc/<pid>/status). */
  pid: number
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
  const p = await startServiceProcess({
    name: 'control plane',
    script: 'control-plane/src/main.ts',
    env: opts.env,
    log: opts.log,
    readyTimeoutMs: opts.readyTimeoutMs,
    isReady: (line) => {
      try {
        const doc = JSON.parse(line) as {
          msg?: string
          url: string
          docs: string
          token_file: string
        }
        return doc.msg === 'ready' ? doc : undefined
      } catch {
        return undefined
      }
    },
  })
  return {
    url: p.ready.url,
    docs: p.ready.docs,
    tokenFile: p.ready.token_file,
    pid: p.pid,
    stop: p.stop,
  }
}
