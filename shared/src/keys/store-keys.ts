import type { PrivacyMode } from '../contracts/common'

/**
 * Typed keys of the edge store (Workers KV; R2 for large blobs) and of user state (Upstash Redis).
 * @note Every key of tenant data starts with the tenant, and names every dimension that changes its value:
 * release (immutable per release), surface, experiment variant (slate family) and privacy mode.
 * Only the API-key index precedes the tenant: the key is what decides the tenant.
 */
export const kvKeys = {
  /** API key record, by the hex SHA-256 of the key. */
  apiKey: (sha256Hex: string) => `apikey:${sha256Hex}`,
  /** The tenant's manifest pointer: flipping it publishes a release. */
  pointer: (tenant: string) => `t:${tenant}:pointer`,
  manifest: (tenant: string, release: string) => `t:${tenant}:r:${release}:manifest`,
  denylist: (tenant: string, release: string) => `t:${tenant}:r:${release}:denylist`,
  rules: (tenant: string, release: string) => `t:${tenant}:r:${release}:rules`,
  catalogShard: (tenant: string, release: string, shard: number) =>
    `t:${tenant}:r:${release}:catalog:${shard}`,
  /**
   * A page of precomputed user slates (personalized data only): user `u` is on page `shardOf(u, pages)`, where
   * `pages` is the manifest's `user_slate_pages`. One document holds many users' slates, so a release of 100M
   * users is a few million KV writes, not 100M.
   */
  userSlatePage: (t: string, release: string, surface: string, variant: string, page: number) =>
    `t:${t}:r:${release}:slate:${surface}:${variant}:personalized:page:${page}`,
  /** Precomputed slate anchored on an item: it depends on the item alone, so it serves in every privacy mode. */
  anchoredSlate: (t: string, release: string, surface: string, variant: string, item: string) =>
    `t:${t}:r:${release}:slate:${surface}:${variant}:non_personalized:item:${item}`,
  segmentList: (
    t: string,
    release: string,
    surface: string,
    variant: string,
    mode: PrivacyMode,
    segment: string,
  ) => `t:${t}:r:${release}:segment:${surface}:${variant}:${mode}:${segment}`,
  popular: (t: string, release: string, surface: string, variant: string) =>
    `t:${t}:r:${release}:popular:${surface}:${variant}:non_personalized`,
} as const

/**
 * Keys of the artifact bucket (R2): large blobs named by the SHA-256 of their bytes, so one object serves every
 * release that uses it and a publish never rewrites what a live release reads.
 * @note They start with `t/<tenant>/` (R2 keys are paths), as KV keys of tenant data start with `t:<tenant>:`.
 */
export const r2Keys = {
  /** A blob (the edge model) by the lowercase hex SHA-256 of its bytes. */
  blob: (tenant: string, sha256: string) => {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a hex SHA-256: ${sha256}`)
    return `t/${tenant}/blobs/${sha256}`
  },
} as const

/** Default slate family when no experiment overrides it. */
export const BASE_VARIANT = 'base'

/** Redis keys of real-time state. TTLs are set by the writers: docs/events.md#user-state-in-redis. */
export const redisKeys = {
  /** Hash of kill switches: field = name (global) or `tenant:<id>:<name>`, value = JSON {value, reason, at}. */
  killSwitches: () => 'recsys:kill_switches',
  /** Set of item ids tombstoned in real time, folded into the next release's denylist. */
  tombstones: (tenant: string) => `t:${tenant}:tombstones`,
  /** Hash of profile fields: consent ("1"/"0"), age, segment. */
  profile: (tenant: string, subject: string) => `t:${tenant}:u:${subject}:profile`,
  suppressedItems: (tenant: string, subject: string) => `t:${tenant}:u:${subject}:supp:items`,
  suppressedCategories: (tenant: string, subject: string) => `t:${tenant}:u:${subject}:supp:cats`,
  /** Sorted set of impressions: member `item|event_id`, score = ms since epoch. */
  impressions: (tenant: string, subject: string) => `t:${tenant}:u:${subject}:imps`,
  seen: (tenant: string, subject: string) => `t:${tenant}:u:${subject}:seen`,
  /** List of recent item ids, newest first, bounded. */
  recent: (tenant: string, subject: string) => `t:${tenant}:u:${subject}:recent`,
  /**
   * Deletion fence: the time (ms) of the subject's last deletion, kept a while after it so that events ingested
   * before it and still in flight do not re-create the state it purged. Not user state: a deletion writes it.
   */
  deletionFence: (tenant: string, subject: string) => `t:${tenant}:deleted:${subject}`,
  /** Ingestion idempotency: set (NX, with a TTL) when an `event_id` is first accepted. */
  eventId: (tenant: string, eventId: string) => `t:${tenant}:ev:${eventId}`,
  /**
   * Ingestion once per served slot: set (NX, with a TTL longer than a token's lifetime) when the first impression or
   * click that a tracking token names is accepted, so a replayed token counts as a duplicate whatever its `event_id`.
   * The slate id (free text in a JSON token) comes last.
   */
  eventSlot: (tenant: string, type: string, position: number, slateId: string) =>
    `t:${tenant}:slot:${type}:${position}:${slateId}`,
  /** The log consumer's claim of an event: value = the key of the one log object that holds it. */
  logClaim: (tenant: string, eventId: string) => `t:${tenant}:logged:${eventId}`,
} as const

/** Every key of one subject's real-time state: what a deletion purges (keep in step with `redisKeys`). */
export const userStateKeys = (tenant: string, subject: string): string[] => [
  redisKeys.profile(tenant, subject),
  redisKeys.suppressedItems(tenant, subject),
  redisKeys.suppressedCategories(tenant, subject),
  redisKeys.impressions(tenant, subject),
  redisKeys.seen(tenant, subject),
  redisKeys.recent(tenant, subject),
]

/** `yyyy-mm-dd/hh` (UTC) of a time; an unreadable time reads as the epoch. */
function hourPath(at: string | number | Date): string {
  const d = new Date(at)
  const iso = (Number.isFinite(d.getTime()) ? d : new Date(0)).toISOString()
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`
}

/**
 * Keys of the log bucket (R2): NDJSON objects partitioned by tenant and UTC hour of ingestion,
 * `<tenant>/<yyyy-mm-dd>/<hh>/<kind>-<id>.ndjson`.
 */
export const logKeys = {
  object: (tenant: string, kind: string, at: string | number | Date, id: string) =>
    `${tenant}/${hourPath(at)}/${kind}-${id}.ndjson`,
  /** The prefix of one tenant's hour (`at` is any time inside it). */
  hour: (tenant: string, at: string | number | Date) => `${tenant}/${hourPath(at)}/`,
} as const

/** The subject id used in state keys: users and anonymous ids never collide. */
export const subjectKey = (subject: { user_id: string } | { anonymous_id: string }): string =>
  'user_id' in subject ? `u.${subject.user_id}` : `a.${subject.anonymous_id}`
