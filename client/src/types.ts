/**
 * The edge API's request and response shapes (docs/api.md), written out here so that the package has no
 * dependency: `test/contract-types.test.ts` checks them against the edge's own contracts at compile time.
 */

export type Tier =
  'ranked' | 'edge_rescored' | 'cached_user' | 'segment' | 'global_popular' | 'emergency'

export type PrivacyMode = 'personalized' | 'contextual_only' | 'non_personalized'

export interface RecommendationRequest {
  request_id?: string
  surface: string
  subject: { user_id: string } | { anonymous_id: string }
  context?: {
    item_id?: string
    session_item_ids?: string[]
    device?: string
    locale?: string
    country?: string
  }
  privacy_mode?: PrivacyMode
  /** 1–100, default 20. */
  limit?: number
  /** Honoured only for keys with the `debug` permission. */
  debug?: boolean
}

export interface RecommendedItem {
  item_id: string
  position: number
  /** Send it back with the item's impression and click events. */
  tracking_token: string
  reason: string
  source: string
  sponsored?: boolean
}

export interface RecommendationResponse {
  request_id: string
  slate_id: string
  items: RecommendedItem[]
  metadata: {
    surface: string
    tier: Tier
    degraded: boolean
    release: string
    model_version: string
    rules_version: string
    experiments: Array<{ id: string; variant: string }>
    privacy_mode: PrivacyMode
    latency_ms: number
  }
  debug?: unknown
}

export type EventType = 'impression' | 'click' | 'conversion' | 'hide' | 'view'

export interface TrackedEvent {
  /** Client-generated and unique: a retried call sends the same ids, and the edge counts each once. */
  event_id: string
  type: EventType
  user_id?: string
  anonymous_id?: string
  item_id: string
  /** Required for impressions and clicks: the item's `tracking_token`. */
  tracking_token?: string
  /** ISO 8601 with an offset. */
  event_time: string
}

export interface EventsResponse {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; code: string; message: string }>
}

export interface DeletionResponse {
  user_id: string
  purged: boolean
}
