import { readFileSync } from 'node:fs'
import path from 'node:path'
import { CliError } from './cli-error'

/** Where the control plane writes the first admin's token, relative to the directory it runs in. */
export const TOKEN_FILE = path.join('.data', 'operator-token')

/**
 * The operator token: `--token` (or RECSYS_TOKEN, which commander folds into it), else `.data/operator-token`
 * under `cwd`. Throws UNAUTHORIZED with what to do when there is none.
 */
export function resolveToken(flag: string | undefined, cwd = process.cwd()): string {
  if (flag?.trim()) return flag.trim()
  const file = path.join(cwd, TOKEN_FILE)
  let text = ''
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch {
    /* no file: explained below */
  }
  if (text) return text
  throw new CliError(
    'UNAUTHORIZED',
    `no operator token: pass --token <token> or set RECSYS_TOKEN, or run from the directory that holds ${TOKEN_FILE} ` +
      `(the control plane writes it when it first starts: \`npx recsys serve\`). ` +
      `An admin can mint one with \`recsys operator create <id> --role viewer|operator|sre|admin\`.`,
  )
}
