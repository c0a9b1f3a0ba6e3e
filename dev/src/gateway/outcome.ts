/** How one command ended: a reply, or an error with the class of failure that decides the status. */
export type Outcome =
  { ok: true; reply: unknown } | { ok: false; kind: FailureKind; message: string }

/**
 * `command`: Redis (or the gateway's policy) rejected the command: 400, like Upstash.
 * `unavailable`: no usable connection to Redis: 503.
 * `timeout`: Redis did not answer within the command timeout: 504.
 */
export type FailureKind = 'command' | 'unavailable' | 'timeout'

/** The HTTP status that a failure of this kind is answered with. */
export function statusOf(kind: FailureKind): number {
  return kind === 'command' ? 400 : kind === 'unavailable' ? 503 : 504
}
