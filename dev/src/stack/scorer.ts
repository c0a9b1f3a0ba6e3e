import { startServiceProcess } from './service-process'

export interface RunningScorer {
  url: string
  /** Resolves once `/healthz` says a model is loaded and warmed for every tenant, or rejects after `timeoutMs`. */
  waitReady(timeoutMs?: number): Promise<unknown>
  stop(): Promise<void>
}

/**
 * Runs the regional scorer (gpu-scorer/src/main.ts) as a child process configured by its environment
 * (SCORER_PORT, SCORER_DATA_DIR, SCORER_TOKEN, …); resolves on its `scorer listening on <url>` line.
 */
export async function startScorerProcess(opts: {
  env: Record<string, string>
  log?: (line: string) => void
  readyTimeoutMs?: number
}): Promise<RunningScorer> {
  const p = await startServiceProcess({
    name: 'scorer',
    script: 'gpu-scorer/src/main.ts',
    env: opts.env,
    log: opts.log,
    readyTimeoutMs: opts.readyTimeoutMs,
    isReady: (line) => /scorer listening on (\S+)/.exec(line)?.[1],
  })
  const url = p.ready
  return {
    url,
    stop: p.stop,
    async waitReady(timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs
      let last = ''
      while (Date.now() < until) {
        try {
          // With the service token, /healthz lists the tenants and their releases (else its status only).
          const token = opts.env.SCORER_TOKEN
          const res = await fetch(`${url}/healthz`, {
            headers: token ? { authorization: `Bearer ${token}` } : {},
          })
          last = await res.text()
          if (res.ok) return JSON.parse(last) as unknown
        } catch (e) {
          last = String(e)
        }
        await new Promise((r) => setTimeout(r, 250))
      }
      throw new Error(`the scorer is not ready after ${timeoutMs} ms: ${last.slice(0, 300)}`)
    },
  }
}
