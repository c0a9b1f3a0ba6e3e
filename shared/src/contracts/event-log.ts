import { z } from 'zod'
import { Assignment, EventType } from './api'
import { Id, Tier } from './common'

/**
 * Records of the durable log (R2, NDJSON, `logKeys`) that the batch pipeline reads. Every record has `kind`,
 * `tenant` and `at` (ingestion time, which decides its `<date>/<hour>/` partition).
 */

/** An accepted event. Fields from its tracking token join it to the impression's slate, tier, release and variants. */
export const EventRecord = z
  .object({
    kind: z.literal('event'),
    tenant: Id,
    at: z.iso.datetime(),
    event_id: z.string().min(1).max(128),
    type: EventType,
    /** The event's subject: a user, or (exactly one of the two) an anonymous visitor. */
    user_id: Id.optional(),
    anonymous_id: Id.optional(),
    item_id: Id,
    /** When it happened, as the client says (UTC). */
    event_time: z.iso.datetime(),
    /** When the edge accepted it (UTC); equals `at`. */
    ingestion_time: z.iso.datetime(),
    /** The API key that sent it. */
    key_id: z.string(),
    slate_id: z.string().optional(),
    position: z.number().int().min(1).optional(),
    tier: Tier.optional(),
    release: z.string().optional(),
    experiments: z.array(Assignment).optional(),
    /** When the token was minted (UTC, seconds precision). */
    served_at: z.iso.datetime().optional(),
  })
  .refine((e) => (e.user_id === undefined) !== (e.anonymous_id === undefined), {
    message: 'exactly one of user_id or anonymous_id is required',
    path: ['user_id'],
  })
  .meta({ id: 'EventRecord' })
export type EventRecord = z.infer<typeof EventRecord>

/**
 * A user deletion (`DELETE /v1/users/{user_id}`): the next batch run drops the user's events ingested before `at`
 * and the user's precomputed slates.
 */
export const DeletionRecord = z
  .object({ kind: z.literal('deletion'), tenant: Id, user_id: Id, at: z.iso.datetime() })
  .meta({ id: 'DeletionRecord' })
export type DeletionRecord = z.infer<typeof DeletionRecord>

/** `exp=variant,exp2=variant2` (the tracking token's `v`) → assignments; malformed parts are skipped. */
export function parseVariants(v: string | undefined): Assignment[] {
  if (!v) return []
  return v
    .split(',')
    .map((part) => part.split('='))
    .filter((kv): kv is [string, string] => kv.length === 2 && kv[0] !== '' && kv[1] !== '')
    .map(([id, variant]) => ({ id, variant }))
}
