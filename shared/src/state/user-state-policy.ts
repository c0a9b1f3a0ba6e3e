/**
 * Bounds and lifetimes of real-time user state in Redis (docs/events.md#user-state-in-redis). Writers (the edge's
 * events path) set the TTLs; readers (the recommendation path) never look further back than the windows here.
 * @note A TTL is refreshed on every write of its key, so state lives that long after the user's last event of
 * that kind.
 */
export const USER_STATE = {
  /** Recent items (views, clicks, conversions): a list, newest first, each item once, at most this many. */
  recentMax: 50,
  recentTtlS: 30 * 86_400,
  /** Impressions older than this are trimmed on write and never read (the longest frequency-cap window). */
  impressionWindowMs: 30 * 86_400_000,
  impressionsTtlS: 30 * 86_400,
  /** At most this many impressions are kept per user (the oldest go first). */
  impressionsMax: 2_000,
  /** Hidden items stay suppressed this long after the user's last hide. */
  suppressionTtlS: 180 * 86_400,
  /**
   * At most this many hidden items per user, and as many suppressed categories: past it, a hide evicts a random
   * earlier one (a set keeps no order). Every request reads the sets, so one client cannot grow them to slow the
   * Redis that all tenants share; reads take at most this many too. Above the events of one call (500), so a call's
   * own hides are never evicted.
   */
  suppressedMax: 1_000,
  /** Consumed items (conversions), excluded when the rules exclude seen items. */
  seenTtlS: 90 * 86_400,
  /** At most this many consumed items per user, capped and read as hidden items are. */
  seenMax: 1_000,
  /** Profile hash (consent, age, segment): a year and a month after the last consent change. */
  profileTtlS: 400 * 86_400,
  /**
   * A deletion fence lives this long: longer than any call of events can be in flight (its Redis calls time out
   * within seconds), so every event ingested before the deletion finds it when it is applied.
   */
  deletionFenceTtlS: 3_600,
  /** An `event_id` seen at ingestion counts as a duplicate for this long (the clients' retry horizon). */
  eventIdTtlS: 86_400,
  /**
   * Which log object holds an event (the consumer's exactly-once claim). Longer than the ingestion window plus the
   * queue's retry horizon, so any second copy of an event that can still reach the consumer finds the claim.
   */
  logClaimTtlS: 2 * 86_400,
} as const
