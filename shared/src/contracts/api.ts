import { z } from 'zod'
import { CountryCode, Id, PrivacyMode, Tier } from './common'

export const LIMIT_DEFAULT = 20
export const LIMIT_MAX = 100
/** Largest accepted request body, in bytes (docs/api.md#conventions). */
export const BODY_LIMIT_BYTES = 64 * 1024

export const Subject = z.union([
  z.object({ user_id: Id }).strict(),
  z.object({ anonymous_id: Id }).strict(),
])
export type Subject = z.infer<typeof Subject>

export const RequestContext = z
  .object({
    item_id: Id.optional(),
    session_item_ids: z.array(Id).max(50).optional(),
    device: z.string().max(32).optional(),
    locale: z.string().max(35).optional(),
    country: CountryCode.optional(),
  })
  .strict()
export type RequestContext = z.infer<typeof RequestContext>

export const RecommendationRequest = z
  .object({
    request_id: z.string().min(1).max(128).optional(),
    surface: Id,
    subject: Subject,
    context: RequestContext.default({}),
    privacy_mode: PrivacyMode.optional(),
    limit: z.number().int().min(1).max(LIMIT_MAX).default(LIMIT_DEFAULT),
    debug: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'RecommendationRequest' })
export type RecommendationRequest = z.infer<typeof RecommendationRequest>

/** Query form of the request: `GET /v1/recommendations?surface=…&user_id=…&limit=…`. */
export const RecommendationQuery = z
  .object({
    surface: Id,
    user_id: Id.optional(),
    anonymous_id: Id.optional(),
    item_id: Id.optional(),
    country: z.string().optional(),
    privacy_mode: PrivacyMode.optional(),
    limit: z.coerce.number().int().min(1).max(LIMIT_MAX).optional(),
    request_id: z.string().min(1).max(128).optional(),
    debug: z.enum(['true', 'false', '1', '0']).optional(),
  })
  .strict()
  .refine((q) => (q.user_id === undefined) !== (q.anonymous_id === undefined), {
    message: 'exactly one of user_id or anonymous_id is required',
  })

export const RecommendedItem = z
  .object({
    item_id: Id,
    position: z.number().int().min(1),
    tracking_token: z.string(),
    reason: z.string(),
    source: z.string(),
    sponsored: z.boolean().optional(),
  })
  .meta({ id: 'RecommendedItem' })
export type RecommendedItem = z.infer<typeof RecommendedItem>

export const Assignment = z.object({ id: z.string(), variant: z.string() })
export type Assignment = z.infer<typeof Assignment>

export const RemovedCandidate = z.object({
  item_id: z.string(),
  tier: Tier,
  stage: z.string(),
  reason: z.string(),
})
export type RemovedCandidate = z.infer<typeof RemovedCandidate>

export const DebugItem = z.object({
  item_id: z.string(),
  tier: Tier,
  source: z.string(),
  score: z.number().nullable(),
  features: z.record(z.string(), z.number()),
  rules: z.array(z.string()),
})

export const DebugBlock = z.object({
  tiers_tried: z.array(z.object({ tier: Tier, status: z.string(), candidates: z.number() })),
  items: z.array(DebugItem),
  removed: z.array(RemovedCandidate),
  /** Session context of the request: its `context.session_item_ids`, then the user's recent items (personalized only). */
  session_items: z.array(z.string()).optional(),
})
export type DebugBlock = z.infer<typeof DebugBlock>

export const RecommendationResponse = z
  .object({
    request_id: z.string(),
    slate_id: z.string(),
    items: z.array(RecommendedItem),
    metadata: z.object({
      surface: z.string(),
      tier: Tier,
      degraded: z.boolean(),
      release: z.string(),
      model_version: z.string(),
      rules_version: z.string(),
      experiments: z.array(Assignment),
      privacy_mode: PrivacyMode,
      latency_ms: z.number(),
    }),
    debug: DebugBlock.optional(),
  })
  .meta({ id: 'RecommendationResponse' })
export type RecommendationResponse = z.infer<typeof RecommendationResponse>

export const EVENT_TYPES = ['impression', 'click', 'conversion', 'hide', 'view'] as const
export const EventType = z.enum(EVENT_TYPES)

/**
 * An event of a subject: `user_id`, or `anonymous_id` for a visitor served as `{ "anonymous_id": … }` (its tracking
 * tokens name that subject, and its real-time state is the anonymous subject's).
 */
export const TrackedEvent = z
  .object({
    event_id: z.string().min(1).max(128),
    type: EventType,
    user_id: Id.optional(),
    anonymous_id: Id.optional(),
    item_id: Id,
    tracking_token: z.string().max(1024).optional(),
    event_time: z.iso.datetime({ offset: true }),
  })
  .strict()
  .refine((e) => (e.user_id === undefined) !== (e.anonymous_id === undefined), {
    message: 'exactly one of user_id or anonymous_id is required',
    path: ['user_id'],
  })
  .refine((e) => !['impression', 'click'].includes(e.type) || e.tracking_token !== undefined, {
    message: 'tracking_token is required for impression and click',
    path: ['tracking_token'],
  })
  .meta({ id: 'Event' })
export type TrackedEvent = z.infer<typeof TrackedEvent>

/** The subject key of an event (`u.<user_id>` or `a.<anonymous_id>`), as state keys and tracking tokens name it. */
export const eventSubject = (e: TrackedEvent): string =>
  e.user_id !== undefined ? `u.${e.user_id}` : `a.${e.anonymous_id!}`

export const EVENTS_PER_CALL_MAX = 500
export const EventsRequest = z
  .object({ events: z.array(z.unknown()).min(1).max(EVENTS_PER_CALL_MAX) })
  .strict()
  .meta({ id: 'EventsRequest' })

export const EventsResponse = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
  })
  .meta({ id: 'EventsResponse' })
export type EventsResponse = z.infer<typeof EventsResponse>

export const ConsentRequest = z
  .object({ personalization: z.boolean() })
  .strict()
  .meta({ id: 'ConsentRequest' })

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.record(
      z.string(),
      z.object({ status: z.enum(['ok', 'degraded', 'down']), detail: z.string().optional() }),
    ),
  })
  .meta({ id: 'HealthResponse' })
export type HealthResponse = z.infer<typeof HealthResponse>
