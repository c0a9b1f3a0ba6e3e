import {
  eventSubject,
  parseVariants,
  TOKEN_CLOCK_SKEW_S,
  TrackedEvent,
  verifyTrackingToken,
  type EventRecord,
  type EventsResponse,
  type TokenError,
  type TrackingClaims,
} from '@recsys/shared'
import type { LogMessage } from '../adapters/decision-log/message'
import { sendNow } from '../adapters/decision-log/send-now'
import type { ClaimedEvent, UserStateWriter } from '../adapters/user-state/interface'
import { ApiError } from '../errors'

/** An `event_time` further ahead of the edge's clock than this is refused. */
const MAX_AHEAD_MS = 86_400_000
/** 0000-01-01T00:00:00Z: the log's UTC times have four-digit years, so an event_time before it cannot be logged. */
const YEAR_0000_MS = Date.parse('0000-01-01T00:00:00Z')

type Rejection = EventsResponse['rejected'][number]

const TOKEN_REJECTION: Record<TokenError, { code: string; message: string }> = {
  malformed: { code: 'invalid_token', message: 'tracking_token is malformed' },
  bad_signature: { code: 'invalid_token', message: 'tracking_token was not issued to this tenant' },
  wrong_tenant: { code: 'invalid_token', message: 'tracking_token was not issued to this tenant' },
  wrong_subject: { code: 'token_mismatch', message: 'tracking_token was issued for another user' },
  wrong_item: { code: 'token_mismatch', message: 'tracking_token was issued for another item' },
  expired: {
    code: 'token_expired',
    message:
      'tracking_token has expired (it is valid for TRACKING_TOKEN_TTL_S after the slate was served)',
  },
}

export interface IngestInput {
  tenant: string
  keyId: string
  /** Unique per call, never client-chosen (not the request id): marks this call's pending claims. */
  callId: string
  events: readonly unknown[]
  /** The edge's clock (ms): ingestion time, and what token lifetimes are checked against. */
  now: number
}

/**
 * `POST /v1/events` (docs/api.md#post-v1events): each event is validated and its tracking token verified on its own (signature,
 * subject, item, lifetime); the valid ones are claimed by `event_id`, and a tokened impression or click also by its
 * slot (slate, position, type), so a replayed token counts once whatever its `event_id`. The new ones go to the log
 * queue, then to real-time user state. Answers only once both hold them.
 * @note No loss on failure: a claim stays pending until state is written, and a pending claim does not make a
 * retried call a duplicate. A retry may therefore queue an event twice; the consumer keeps one (queue/consumer.ts).
 */
export async function ingestEvents(
  deps: { state: UserStateWriter; queue: Queue<LogMessage>; secret: string; tokenTtlS: number },
  input: IngestInput,
): Promise<EventsResponse> {
  const { tenant, now } = input
  const rejected: Rejection[] = []
  const checked = await Promise.all(
    input.events.map(async (raw, index): Promise<Checked | undefined> => {
      const r = TrackedEvent.safeParse(raw)
      if (!r.success) {
        const issue = r.error.issues[0]
        const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
        return reject(index, 'invalid_event', `${where}${issue?.message ?? 'invalid event'}`)
      }
      const event = r.data
      const at = Date.parse(event.event_time)
      // The log keeps event_time in UTC with a four-digit year (EventRecord): '0000-01-01T00:00+01:00' is year -1.
      if (at < YEAR_0000_MS)
        return reject(index, 'invalid_event', 'event_time is before the year 0000 in UTC')
      if (at > now + MAX_AHEAD_MS)
        return reject(
          index,
          'invalid_event',
          'event_time is more than 24 h ahead of the edge clock',
        )
      let claims: TrackingClaims | undefined
      if (event.tracking_token !== undefined) {
        const v = await verifyTrackingToken(deps.secret, event.tracking_token, {
          tenant,
          subject: eventSubject(event),
          item: event.item_id,
          lifetime: { nowMs: now, maxAgeS: deps.tokenTtlS },
        })
        if (!v.ok)
          return reject(index, TOKEN_REJECTION[v.error].code, TOKEN_REJECTION[v.error].message)
        claims = v.value
      }
      return { event, claims }
    }),
  )
  function reject(index: number, code: string, message: string) {
    rejected.push({ index, code, message })
    return undefined
  }
  // Token checks finish after the synchronous rejections: put them back in index order.
  rejected.sort((a, b) => a.index - b.index)
  const valid = checked.filter((x) => x !== undefined)
  if (valid.length === 0) return { accepted: 0, duplicates: 0, rejected }

  const claimed: ClaimedEvent[] = valid.map(({ event, claims }) => ({
    event,
    ...(claims &&
      (event.type === 'impression' || event.type === 'click') && {
        slot: { slate: claims.s, position: claims.p, type: event.type },
      }),
  }))
  let status: Awaited<ReturnType<UserStateWriter['claim']>>['status']
  try {
    // A slot claim outlives every token that can name it: a token is valid until ts + TTL, and ts is at most the
    // clock skew ahead of now.
    const slotTtlS = deps.tokenTtlS + TOKEN_CLOCK_SKEW_S
    status = (
      await deps.state.claim(
        tenant,
        input.callId,
        claimed.map((c) => ({ eventId: c.event.event_id, slot: c.slot })),
        slotTtlS,
      )
    ).status
  } catch (e) {
    throw unavailable('user state', e)
  }
  const acceptedIdx = valid.flatMap((_, i) => (status[i] !== 'duplicate' ? [i] : []))
  const ingestion = new Date(now).toISOString()
  const records = acceptedIdx.map((i) =>
    toRecord(tenant, input.keyId, ingestion, valid[i]!.event, valid[i]!.claims),
  )
  try {
    await sendNow(deps.queue, records)
  } catch (e) {
    throw unavailable('the event log', e)
  }
  try {
    await deps.state.apply(
      tenant,
      acceptedIdx.map((i) => claimed[i]!),
      now,
    )
  } catch (e) {
    throw unavailable('user state', e)
  }
  return {
    accepted: acceptedIdx.length,
    duplicates: valid.length - acceptedIdx.length,
    rejected,
  }
}

interface Checked {
  event: TrackedEvent
  claims: TrackingClaims | undefined
}

function toRecord(
  tenant: string,
  keyId: string,
  ingestion: string,
  e: TrackedEvent,
  c: TrackingClaims | undefined,
): EventRecord {
  const experiments = c ? parseVariants(c.v) : []
  return {
    kind: 'event',
    tenant,
    at: ingestion,
    event_id: e.event_id,
    type: e.type,
    ...(e.user_id !== undefined ? { user_id: e.user_id } : { anonymous_id: e.anonymous_id }),
    item_id: e.item_id,
    event_time: new Date(e.event_time).toISOString(),
    ingestion_time: ingestion,
    key_id: keyId,
    ...(c && {
      slate_id: c.s,
      position: c.p,
      tier: c.tier,
      release: c.r,
      ...(experiments.length > 0 && { experiments }),
      served_at: new Date(c.ts * 1000).toISOString(),
    }),
  }
}

function unavailable(what: string, e: unknown): ApiError {
  console.error(JSON.stringify({ msg: `events: ${what} failed`, error: String(e) }))
  return new ApiError(
    'UNAVAILABLE',
    `${what} is unavailable; nothing of this call was lost: retry it (accepted events will not count twice)`,
  )
}
