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
   * done), in order, and reads the stored consent of each user named. Throws when Redis cannot be reached.
   */
  claim(
    tenant: string,
    callId: string,
    eventIds: readonly string[],
    users: readonly string[],
  ): Promise<{ status: ClaimStatus[]; consent: Map<string, boolean | undefined> }>
  /**
   * Applies accepted events to their users' state and marks their `event_id`s done; `now` is the ingestion time
   * (ms). Every write is idempotent, so applying an event twice leaves the state as once.
   */
  apply(
    tenant: string,
    events: ReadonlyArray<{ event: TrackedEvent; consent: boolean | undefined }>,
    now: number,
  ): Promise<void>
  setConsent(tenant: string, userId: string, personalization: boolean): Promise<void>
  /** Deletes every key of the user's real-time state. */
  purge(tenant: string, userId: string): Promise<void>
}
