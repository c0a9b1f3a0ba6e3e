import { partition, privacyAllows, type Candidate, type Filter } from '../funnel/types'
import type { EligibilityContext } from './context'

type EligibilityFilter = Filter<EligibilityContext, Candidate>

/** Release denylist and real-time tombstones. */
export const denylistFilter: EligibilityFilter = {
  id: 'denylist',
  failMode: 'closed',
  apply: (cs, ctx) =>
    partition('denylist', cs, (c) => (ctx.denied.has(c.item_id) ? 'denylisted' : undefined)),
}

/** Items missing from the catalog are not servable (fail closed); unavailable ones neither. */
export const availabilityFilter: EligibilityFilter = {
  id: 'availability',
  failMode: 'closed',
  apply: (cs, ctx) =>
    partition('availability', cs, (c) => {
      const flags = ctx.catalog(c.item_id)
      if (!flags) return 'not_in_catalog'
      return flags.available ? undefined : 'unavailable'
    }),
}

/**
 * Region rules, failing closed: an allow-list needs a known country that is on it; a block-list blocks that country,
 * and, when the country is unknown, the item (a legal block must not be skipped by leaving the country out).
 * Codes compare without case: a catalog that says `de` blocks a request from `DE`.
 */
export const regionFilter: EligibilityFilter = {
  id: 'region',
  failMode: 'closed',
  apply: (cs, ctx) => {
    const country = ctx.country?.toUpperCase()
    return partition('region', cs, (c) => {
      const flags = ctx.catalog(c.item_id)
      if (!flags) return 'not_in_catalog'
      const allowed = flags.regions_allowed
      if (allowed && (!country || !listsCountry(allowed, country))) return 'region_blocked'
      const blocked = flags.regions_blocked
      if (blocked?.length && (!country || listsCountry(blocked, country))) return 'region_blocked'
      return undefined
    })
  },
}

function listsCountry(list: readonly string[], country: string): boolean {
  for (const r of list) if (r === country || r.toUpperCase() === country) return true
  return false
}

/** Age rules: an item with a minimum age needs a known user age at or above it. */
export const ageFilter: EligibilityFilter = {
  id: 'age',
  failMode: 'closed',
  apply: (cs, ctx) =>
    partition('age', cs, (c) => {
      const minAge = ctx.catalog(c.item_id)?.min_age ?? 0
      if (minAge === 0) return undefined
      const age = ctx.user?.age
      return age !== undefined && age >= minAge ? undefined : 'age_restricted'
    }),
}

/** A candidate derived from data the privacy mode forbids is removed. */
export const privacyFilter: EligibilityFilter = {
  id: 'privacy',
  failMode: 'closed',
  apply: (cs, ctx) =>
    partition('privacy', cs, (c) =>
      privacyAllows(ctx.privacy, c.needs) ? undefined : 'privacy_mode',
    ),
}

/** Per-user suppression of items and of categories (hides, "not interested"). */
export const suppressionFilter: EligibilityFilter = {
  id: 'suppression',
  failMode: 'closed',
  apply: (cs, ctx) =>
    partition('suppression', cs, (c) => {
      const user = ctx.user
      if (!user) return undefined
      if (user.suppressedItems.has(c.item_id)) return 'suppressed_item'
      const cats = ctx.catalog(c.item_id)?.categories ?? []
      return cats.some((cat) => user.suppressedCategories.has(cat))
        ? 'suppressed_category'
        : undefined
    }),
}

/** At most `max` impressions of one item within the window. */
export const frequencyCapFilter: EligibilityFilter = {
  id: 'frequency_cap',
  failMode: 'open',
  apply: (cs, ctx) => {
    const cap = ctx.rules.frequency_cap
    const user = ctx.user
    if (!cap || !user) return { kept: [...cs], removed: [] }
    const since = ctx.now - cap.window_s * 1000
    return partition('frequency_cap', cs, (c) => {
      const times = user.impressions.get(c.item_id)
      if (!times) return undefined
      let n = 0
      for (const t of times) if (t >= since) n++
      return n >= cap.max ? 'frequency_capped' : undefined
    })
  },
}

/** Items the user has converted on (user state's `seen`). */
export const seenFilter: EligibilityFilter = {
  id: 'seen',
  failMode: 'open',
  apply: (cs, ctx) => {
    const user = ctx.user
    if (!ctx.rules.exclude_seen || !user) return { kept: [...cs], removed: [] }
    return partition('seen', cs, (c) => (user.seen.has(c.item_id) ? 'already_seen' : undefined))
  },
}

/**
 * The user's history (`exclude_consumed`): what they already watched, read or bought is not recommended back.
 * Fails open: without a known history nothing is removed.
 */
export const consumedFilter: EligibilityFilter = {
  id: 'consumed',
  failMode: 'open',
  apply: (cs, ctx) => {
    const consumed = ctx.consumed
    if (!ctx.rules.exclude_consumed || !consumed || consumed.size === 0)
      return { kept: [...cs], removed: [] }
    return partition('consumed', cs, (c) => (consumed.has(c.item_id) ? 'consumed' : undefined))
  },
}
