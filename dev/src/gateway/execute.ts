import type { Pipeline, Redis } from 'ioredis'
import { refusalMessage, refusalReason } from './command-policy.js'
import type { Outcome } from './outcome.js'
import { toRawCommand } from './raw-command.js'
import type { RedisCommand } from './redis-command.js'

/** What the executor needs of the connection: the client and the last connection error. */
export interface ExecContext {
  redis: Redis
  displayUrl: string
  lastError(): string | undefined
}

/** Runs one command on the shared connection; never throws. */
export async function runCommand(ctx: ExecContext, command: RedisCommand): Promise<Outcome> {
  const reason = refusalReason(command)
  if (reason !== undefined) {
    return { ok: false, kind: 'command', message: refusalMessage(command, reason) }
  }
  try {
    // Await what sendCommand returns (it may wrap the command's promise for tracing), so that a
    // rejection is always handled here.
    const reply: unknown = await ctx.redis.sendCommand(toRawCommand(command))
    return { ok: true, reply }
  } catch (err) {
    return classify(ctx, err)
  }
}

/**
 * Runs commands in order on the shared connection, independently: a failing command does not stop
 * the ones after it. Commands are written in order on one connection, so they execute in order.
 */
export async function runPipeline(ctx: ExecContext, commands: RedisCommand[]): Promise<Outcome[]> {
  return Promise.all(commands.map((command) => runCommand(ctx, command)))
}

/** A transaction's result: per-command outcomes, or one failure for the whole transaction. */
export type TransactionResult = { ok: true; outcomes: Outcome[] } | Extract<Outcome, { ok: false }>

/**
 * Runs commands atomically with MULTI/EXEC. ioredis writes MULTI, the commands and EXEC in a single
 * socket write, so no other request's command can land inside the transaction. A command Redis
 * refuses to queue (unknown command, wrong arity) aborts the whole transaction (EXECABORT), as does
 * a command the gateway refuses; errors at execution time (WRONGTYPE) are per-command entries.
 */
export async function runTransaction(
  ctx: ExecContext,
  commands: RedisCommand[],
): Promise<TransactionResult> {
  for (const command of commands) {
    const reason = refusalReason(command)
    if (reason !== undefined) {
      return { ok: false, kind: 'command', message: refusalMessage(command, reason) }
    }
  }
  // multi() returns a Pipeline at runtime; its typings (ChainableCommander) omit sendCommand.
  const pipeline = ctx.redis.multi() as unknown as Pipeline
  for (const command of commands) pipeline.sendCommand(toRawCommand(command))
  try {
    const results = await pipeline.exec()
    if (results === null) {
      // EXEC answers nil only when a WATCHed key changed; WATCH is refused, so this is a bug.
      return { ok: false, kind: 'command', message: 'ERR transaction aborted by Redis (EXEC nil)' }
    }
    return {
      ok: true,
      outcomes: results.map(([err, reply]): Outcome => {
        if (err) return classify(ctx, err)
        return { ok: true, reply }
      }),
    }
  } catch (err) {
    return classify(ctx, err)
  }
}

/** Sorts an ioredis failure into a command error, a timeout, or Redis being unavailable. */
function classify(ctx: ExecContext, err: unknown): Extract<Outcome, { ok: false }> {
  const error = err instanceof Error ? err : new Error(String(err))
  if (error.name === 'ReplyError') {
    return { ok: false, kind: 'command', message: withPreviousErrors(error) }
  }
  if (error.message === 'Command timed out') {
    return {
      ok: false,
      kind: 'timeout',
      message: `Redis at ${ctx.displayUrl} did not answer in time`,
    }
  }
  const cause = ctx.lastError() ?? error.message
  return {
    ok: false,
    kind: 'unavailable',
    message: `Redis at ${ctx.displayUrl} is unavailable: ${cause}`,
  }
}

/** EXECABORT alone says nothing useful; ioredis attaches the queueing errors that caused it. */
function withPreviousErrors(error: Error): string {
  const previous = (error as Error & { previousErrors?: unknown }).previousErrors
  if (!Array.isArray(previous) || previous.length === 0) return error.message
  const reasons = previous.map((e) => (e instanceof Error ? e.message : String(e)))
  return `${error.message} (${reasons.join('; ')})`
}
