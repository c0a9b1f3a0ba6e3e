import { z } from 'zod'
import { Id, PrivacyMode } from './common'

/**
 * Permissions a tenant API key may carry: `recommend`, `events` (what a browser or app sends: a publishable key
 * holds these only), `debug` (debug blocks) and `users` (deleting users and setting their consent: a server key's,
 * never a publishable one's, since anyone can read a key shipped in a client).
 */
export const KeyPermission = z.enum(['recommend', 'events', 'debug', 'users'])
export type KeyPermission = z.infer<typeof KeyPermission>

/** What the edge stores under an API key's hash: the key decides the tenant. */
export const ApiKeyRecord = z.object({
  tenant: Id,
  key_id: z.string(),
  permissions: z.array(KeyPermission),
  disabled: z.boolean().default(false),
})
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>

export const SurfaceConfig = z.object({
  id: Id,
  /** `personalized`: slates keyed by user; `item_anchored`: keyed by `context.item_id`. */
  kind: z.enum(['personalized', 'item_anchored']),
  /** Time budget of the whole request at the edge, in ms. */
  deadline_ms: z.number().int().positive().default(50),
  /** Id of the rule bundle that reranks this surface. */
  rules: z.string().default('default'),
})
export type SurfaceConfig = z.infer<typeof SurfaceConfig>

export const TenantConfig = z
  .object({
    tenant: Id,
    surfaces: z.array(SurfaceConfig).min(1),
    /**
     * Privacy mode for users with no stored consent. docs/architecture.md#privacy-modes: unknown consent is
     * non-personalized.
     */
    consent_default: PrivacyMode.default('non_personalized'),
  })
  .meta({ id: 'TenantConfig' })
export type TenantConfig = z.infer<typeof TenantConfig>

/** One scored entry of a precomputed list. */
export const SlateEntry = z.object({
  item_id: Id,
  score: z.number().optional(),
  reason: z.string().optional(),
  source: z.string().optional(),
})
export type SlateEntry = z.infer<typeof SlateEntry>

/** A precomputed list (user slate, anchored slate, segment list, popular list), stamped with what produced it. */
export const Slate = z
  .object({
    items: z.array(SlateEntry).max(1000),
    generated_at: z.string().optional(),
    version: z.string().optional(),
  })
  .meta({ id: 'Slate' })
export type Slate = z.infer<typeof Slate>

/** A page of user slates, by user id (see `kvKeys.userSlatePage`). */
export const UserSlatePage = z
  .object({ users: z.record(z.string(), Slate) })
  .meta({ id: 'UserSlatePage' })
export type UserSlatePage = z.infer<typeof UserSlatePage>

export const Denylist = z.object({ items: z.array(Id) }).meta({ id: 'Denylist' })
export type Denylist = z.infer<typeof Denylist>

/** Serving flags of one catalog item. Absent from the catalog means not servable (fail closed). */
export const CatalogFlags = z.object({
  available: z.boolean().default(true),
  categories: z.array(z.string()).default([]),
  /** ISO country codes; when set, only these may be served the item. */
  regions_allowed: z.array(z.string()).optional(),
  regions_blocked: z.array(z.string()).optional(),
  /** Minimum viewer age; 0 means all ages. */
  min_age: z.number().int().min(0).default(0),
  /** ms since epoch; drives the freshness boost. */
  published_at: z.number().optional(),
  sponsored: z.boolean().default(false),
  /** Cleared for exploration slots (brand safe, not borderline). */
  safe: z.boolean().default(false),
})
export type CatalogFlags = z.infer<typeof CatalogFlags>

/** One shard of the catalog flags: items are spread over shards by a stable hash of the item id. */
export const CatalogShard = z
  .object({ items: z.record(z.string(), CatalogFlags) })
  .meta({ id: 'CatalogShard' })
export type CatalogShard = z.infer<typeof CatalogShard>

export const EligibilityRules = z.object({
  /** At most `max` impressions of one item to one user within `window_s`. */
  frequency_cap: z
    .object({ max: z.number().int().positive(), window_s: z.number().int().positive() })
    .optional(),
  /** Drop items the user has converted on (`conversion` events: user state's `seen`). */
  exclude_seen: z.boolean().default(true),
  /**
   * Drop the user's history (stage `consumed`, reason `consumed`) on every tier: the items of their training
   * interactions that the release carries (the scorer drops them before scoring; precomputed user slates leave them
   * out) and the recent items of user state (views and clicks; final eligibility at the edge). On by default, which
   * is what `home_feed` wants; a repeat-purchase domain turns it off in the bundle its surfaces use.
   * docs/relevance-serving.md.
   */
  exclude_consumed: z.boolean().default(true),
})
export type EligibilityRules = z.infer<typeof EligibilityRules>

export const RerankRules = z.object({
  /** At most `max` items of one category among the first `top_n` positions. */
  category_cap: z
    .object({ max: z.number().int().positive(), top_n: z.number().int().positive() })
    .optional(),
  /** score * (1 + boost * 2^(-age_days / half_life_days)). */
  freshness: z
    .object({ boost: z.number().min(0), half_life_days: z.number().positive() })
    .optional(),
  /** Sponsored items go to these 1-based positions only, at most `max` in a slate. */
  sponsored: z
    .object({ positions: z.array(z.number().int().positive()), max: z.number().int().min(0) })
    .optional(),
  /** Exploration slots at these 1-based positions, filled only with items flagged safe. */
  exploration: z.object({ positions: z.array(z.number().int().positive()) }).optional(),
  /** Candidates whose score is below this are dropped (unscored candidates are kept). */
  relevance_floor: z.number().optional(),
})
export type RerankRules = z.infer<typeof RerankRules>

export const RuleBundle = z
  .object({
    version: z.string(),
    eligibility: EligibilityRules.default({ exclude_seen: true, exclude_consumed: true }),
    rerank: RerankRules.default({}),
  })
  .meta({ id: 'RuleBundle' })
export type RuleBundle = z.infer<typeof RuleBundle>

export const RuleBundles = z.record(z.string(), RuleBundle)
export type RuleBundles = z.infer<typeof RuleBundles>

/** Segment id → list. */
export const SegmentLists = z.record(z.string(), Slate).meta({ id: 'SegmentLists' })
export type SegmentLists = z.infer<typeof SegmentLists>
