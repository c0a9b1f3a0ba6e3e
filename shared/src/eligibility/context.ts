import type { CatalogFlags, EligibilityRules } from '../contracts/artifacts'
import type { PrivacyMode } from '../contracts/common'

/** Real-time state of one user, as the eligibility filters need it. */
export interface UserState {
  suppressedItems: ReadonlySet<string>
  suppressedCategories: ReadonlySet<string>
  /** item id → impression times (ms since epoch). */
  impressions: ReadonlyMap<string, readonly number[]>
  seen: ReadonlySet<string>
  /** Verified age in years, when known. */
  age?: number
  /** Stored consent to personalization; undefined when never given. */
  consent?: boolean
  segment?: string
  recentItems: readonly string[]
}

export const EMPTY_USER_STATE: UserState = {
  suppressedItems: new Set(),
  suppressedCategories: new Set(),
  impressions: new Map(),
  seen: new Set(),
  recentItems: [],
}

/** Membership in a set of item ids (a `Set`, or a compact structure such as the scorer's consumed sets). */
export interface ItemSet {
  readonly size: number
  has(itemId: string): boolean
}

/** Everything final eligibility reads. Built once per request. */
export interface EligibilityContext {
  now: number
  /** Release denylist and real-time tombstones, merged. */
  denied: ReadonlySet<string>
  catalog: (itemId: string) => CatalogFlags | undefined
  /** undefined when user state could not be read: the ladder then serves non-personalized tiers only. */
  user: UserState | undefined
  country?: string
  privacy: PrivacyMode
  rules: EligibilityRules
  /**
   * The user's history, dropped when `rules.exclude_consumed` is on: at the edge the recent items of user state, at
   * the scorer the release's consumed items of the user and the request's recent items. Absent: nothing is known.
   */
  consumed?: ItemSet
}
