/**
 * `recsys`: the operator CLI. Launched by control-plane/bin/recsys.js (tsx); talks to the operator API over HTTP.
 */
import { CommanderError } from 'commander'
import { CliError } from './cli-error'
import { report } from './context'
import { buildProgram } from './program'

/** Parses argv and runs the command; failures set `process.exitCode` (1 API, 2 usage). */
export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json')
  try {
    await buildProgram().parseAsync(argv)
  } catch (e) {
    if (!(e instanceof CommanderError)) {
      process.exitCode = report(e, json)
      return
    }
    // Help and version exit 0; commander has already printed its usage message on stderr.
    if (e.exitCode === 0) return
    process.exitCode = 2
    if (json)
      report(
        new CliError('BAD_REQUEST', e.message.replace(/^error: /, ''), undefined, undefined, 2),
        true,
      )
  }
}

// `recsys audit | head`: a reader that stops early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0)
  throw e
})
await main(process.argv)
