import { randomUUID } from 'node:crypto'

/** The error envelope (docs/architecture.md#error-envelope), as the CLI prints it with `--json`. */
export interface Envelope {
  error: { code: string; message: string; request_id: string; details?: unknown }
}

/**
 * Every failure the CLI reports: the API's error envelope, or one the CLI makes for what went wrong before or
 * instead of a response (no token, control plane unreachable, unreadable file). `exitCode` 2 means usage.
 */
export class CliError extends Error {
  readonly request_id: string
  /** True when no request was made (the id was minted only for the envelope). */
  readonly local: boolean

  constructor(
    readonly code: string,
    message: string,
    request_id?: string,
    readonly details?: unknown,
    readonly exitCode = 1,
  ) {
    super(message)
    this.local = request_id === undefined
    this.request_id = request_id ?? `cli-${randomUUID()}`
  }

  envelope(): Envelope {
    return {
      error: {
        code: this.code,
        message: this.message,
        request_id: this.request_id,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    }
  }
}

/** A usage problem found by the CLI itself (bad file, bad flag value): BAD_REQUEST, exit code 2. */
export const usageError = (message: string) =>
  new CliError('BAD_REQUEST', message, undefined, undefined, 2)
