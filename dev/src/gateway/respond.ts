import type { ServerResponse } from 'node:http'
import { encodeReply } from './encode-reply.js'
import { statusOf, type Outcome } from './outcome.js'

/** Writes a JSON body with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Answers a single command: `{"result": …}` with 200, or `{"error": …}` with its failure status. */
export function sendOutcome(res: ServerResponse, outcome: Outcome, base64: boolean): void {
  if (outcome.ok) sendJson(res, 200, { result: encodeReply(outcome.reply, base64) })
  else sendJson(res, statusOf(outcome.kind), { error: outcome.message })
}

/**
 * Answers a pipeline or transaction: 200 with one `{"result"}`/`{"error"}` entry per command, where
 * command errors stay per entry. If Redis itself failed (unavailable, timeout) for any command the
 * whole request fails with that status: a partial array would hide that Redis is down.
 */
export function sendOutcomes(res: ServerResponse, outcomes: Outcome[], base64: boolean): void {
  const failure = outcomes.find((o) => !o.ok && o.kind !== 'command')
  if (failure !== undefined && !failure.ok) {
    sendJson(res, statusOf(failure.kind), { error: failure.message })
    return
  }
  sendJson(
    res,
    200,
    outcomes.map((o) => (o.ok ? { result: encodeReply(o.reply, base64) } : { error: o.message })),
  )
}
