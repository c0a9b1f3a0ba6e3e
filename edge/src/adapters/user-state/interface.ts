import type { TrackedEvent } from '@recsys/shared'

/** What the ingestion claim of one `event_id` found. */
export type ClaimStatus =
  /** Never seen: claimed now, as pending. */
  | 'fresh'
  /** Claimed by an earlier call that did not finish (or runs right now): accepted again, never lost. */
  | 'retry'
  /** Fully accepted before, or earlier in this same call: a duplicate. */
  | 'duplicate'

/** The write side of real-time user state (Upstash Redis): what events, consent and deletions change. */
export interface UserStateWriter {
  /**
   * Claims each `event_id` for the tenant (set-if-absent with a TTL, value `p:<callId>` until `apply` marks it
   * done), in order. Throws when Redis cannot be reached.
   */
  claim(
    tenant: string,
    callId: string,
    eventIds: readonly string[],
  ): Promise<{ status: ClaimStatus[] }>
  /**
   * Applies accepted events to their users' state and marks their `event_id`s done; `now` is the ingestion time
   * (ms). Every write is idempotent, so applying an event twice leaves the state as once.
   * @note Consent and deletion are read when the events are applied, atomically with the writes: a user whose
   * consent is `false` gets no recent items, a user deleted after `now` gets nothing.
   */
  apply(tenant: string, events: readonly TrackedEvent[], now: number): Promise<void>
  setConsent(tenant: string, userId: string, personalization: boolean): Promise<void>
  /**
   * Deletes every key of the user's real-time state, and fences it: events ingested before `at` (ms) that are
   * applied later change nothing.
   */
  purge(tenant: string, userId: string, at: number): Promise<void>
}
