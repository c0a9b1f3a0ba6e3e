import type { TrackedEvent } from '@recsys/shared'

/** The served slot an impression or click counts for: the slate, position and event type its tracking token names. */
export interface EventSlot {
  slate: string
  position: number
  type: 'impression' | 'click'
}

/** An event to claim at ingestion: its `event_id` and, for a tokened impression or click, its slot. */
export interface EventClaim {
  eventId: string
  slot?: EventSlot
}

/** A valid event of a call, with the slot it counts for (if any). */
export interface ClaimedEvent {
  event: TrackedEvent
  slot?: EventSlot
}

/** What the ingestion claim of one `event_id` found. */
export type ClaimStatus =
  /** Never seen: claimed now, as pending. */
  | 'fresh'
  /** Claimed by an earlier call that did not finish (or runs right now): accepted again, never lost. */
  | 'retry'
  /**
   * Fully accepted before, or earlier in this same call: a duplicate. So is an event whose slot another `event_id`
   * holds (accepted, or pending in a call that may still finish): a replayed token.
   */
  | 'duplicate'

/** The write side of real-time user state (Upstash Redis): what events, consent and deletions change. */
export interface UserStateWriter {
  /**
   * Claims each `event_id` for the tenant (set-if-absent with a TTL, value `p:<callId>` until `apply` marks it
   * done), in order, and each slot the same way (value `p:<callId>:<event_id>`, TTL `slotTtlS`, which must outlive
   * the tokens). Throws when Redis cannot be reached.
   * @note A slot pending for the same `event_id` is that event's own earlier attempt (a retry); pending for another
   * one, it is a replay, even while the first call is in flight.
   */
  claim(
    tenant: string,
    callId: string,
    events: readonly EventClaim[],
    slotTtlS: number,
  ): Promise<{ status: ClaimStatus[] }>
  /**
   * Applies accepted events to their subjects' state and marks their `event_id`s and slots done; `now` is the
   * ingestion time (ms). Every write is idempotent, so applying an event twice leaves the state as once.
   * @note Consent and deletion are read when the events are applied, atomically with the writes: a user whose
   * consent is `false` gets no recent items, a user deleted after `now` gets nothing.
   */
  apply(tenant: string, events: readonly ClaimedEvent[], now: number): Promise<void>
  setConsent(tenant: string, userId: string, personalization: boolean): Promise<void>
  /**
   * Deletes every key of the user's real-time state, and fences it: events ingested before `at` (ms) that are
   * applied later change nothing.
   */
  purge(tenant: string, userId: string, at: number): Promise<void>
}
