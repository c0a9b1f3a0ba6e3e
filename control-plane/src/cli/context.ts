import type { Command } from 'commander'
import { ApiClient } from './api-client'
import { CliError } from './cli-error'
import { resolveToken } from './token'

/** The options every command inherits from the program. */
export interface GlobalOptions {
  api: string
  token?: string
  json?: boolean
}

/** What a command's action works with. */
export interface Ctx {
  api: ApiClient
  json: boolean
  /** The command's result: `value` as one JSON document with --json, else the text `human` returns. */
  out(value: unknown, human: () => string): void
  /** Starts a long step: prints `title` and returns the progress printer (stderr, seconds since the start). */
  step(title: string): (msg: string) => void
}

export function createCtx(g: GlobalOptions): Ctx {
  const json = Boolean(g.json)
  let api: ApiClient | undefined
  return {
    json,
    get api() {
      return (api ??= new ApiClient({ baseUrl: g.api, token: () => resolveToken(g.token) }))
    },
    out(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`)
    },
    step(title) {
      const t0 = performance.now()
      process.stderr.write(`${title}\n`)
      return (msg) => {
        const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(5)
        process.stderr.write(`  [${s}s] ${msg}\n`)
      }
    },
  }
}

/**
 * Wraps a command's action: builds the context from the global options, passes the command's own options and
 * positional arguments, and turns any failure into the error envelope (stdout with --json, else stderr) and
 * a non-zero exit code.
 */
export function act<O = Record<string, string | undefined>>(
  fn: (ctx: Ctx, opts: O, args: string[]) => Promise<void>,
) {
  return async (...xs: unknown[]) => {
    const cmd = xs[xs.length - 1] as Command
    const g = cmd.optsWithGlobals<GlobalOptions>()
    try {
      await fn(createCtx(g), cmd.opts<O & object>(), cmd.processedArgs as string[])
    } catch (e) {
      process.exitCode = report(e, Boolean(g.json))
    }
  }
}

/** Prints a failure; returns the exit code. */
export function report(e: unknown, json: boolean): number {
  const err =
    e instanceof CliError ? e : new CliError('INTERNAL', e instanceof Error ? e.message : String(e))
  if (json) process.stdout.write(`${JSON.stringify(err.envelope(), null, 2)}\n`)
  else {
    const lines = [`error: ${err.code}: ${err.message}`, ...detailLines(err.details)]
    if (!err.local) lines.push(`  request_id: ${err.request_id}`)
    process.stderr.write(`${lines.join('\n')}\n`)
  }
  if (!(e instanceof CliError) && process.env.RECSYS_DEBUG) console.error(e)
  return err.exitCode
}

/** Gate failures, offending catalog items and the like, one per line. */
function detailLines(d: unknown): string[] {
  if (d === undefined || d === null) return []
  return (Array.isArray(d) ? d : [d]).map((x) => {
    if (typeof x === 'string') return `  - ${x}`
    const f = x as { artifact?: string; check?: string; message?: string; offending?: unknown[] }
    if (f && typeof f === 'object' && f.check) {
      const off =
        Array.isArray(f.offending) && f.offending.length ? `: ${f.offending.join('; ')}` : ''
      return `  - ${f.artifact ? `${f.artifact} ` : ''}[${f.check}] ${f.message ?? ''}${off}`
    }
    return `  - ${JSON.stringify(x)}`
  })
}
