import type { PrivacyMode, Tier } from '../contracts/common'

/** A candidate item on its way through the funnel, with its provenance. */
export interface Candidate {
  item_id: string
  tier: Tier
  /** Candidate source within the tier (e.g. `item2item`, `popular`, `segment`). */
  source: string
  reason: string
  score?: number
  /** The least private mode under which this candidate may be served (what data produced it). */
  needs: PrivacyMode
  /**
   * A neighbour of the request's anchor item (item-anchored surfaces): rerank never re-sorts one of these behind a
   * candidate of the same tier without the flag, so the neighbours stay ahead of the personalised fill.
   */
  anchored?: boolean
}

/** Why a candidate was removed, and by which stage. */
export interface Removal {
  item_id: string
  tier: Tier
  stage: StageId
  reason: ReasonCode
}

/** A filter keeps or removes each candidate, never reorders, and gives a reason for each removal. */
export interface FilterResult<C extends Candidate = Candidate> {
  kept: C[]
  removed: Removal[]
}

export interface Filter<Ctx, C extends Candidate = Candidate> {
  id: StageId
  /** `closed`: when its inputs are missing, the candidate is removed; `open`: it is kept. */
  failMode: 'open' | 'closed'
  apply(candidates: readonly C[], ctx: Ctx): FilterResult<C>
}

/** A scorer returns one score per input, in input order; it never drops or reorders. */
export interface Scorer<Ctx, C extends Candidate = Candidate> {
  id: StageId
  score(candidates: readonly C[], ctx: Ctx): number[] | Promise<number[]>
}

/** A selector (rerank step) reorders, inserts from a pool, or removes with a reason. */
export interface Selector<Ctx, C extends Candidate = Candidate> {
  id: StageId
  select(candidates: readonly C[], ctx: Ctx): FilterResult<C>
}

/** Stable stage ids, used in logs, metrics, debug output and kill switches. */
export const STAGE_IDS = [
  'dedupe',
  'denylist',
  'availability',
  'region',
  'age',
  'privacy',
  'suppression',
  'frequency_cap',
  'seen',
  'consumed',
  'relevance_floor',
  'freshness',
  'category_cap',
  'sponsored',
  'exploration',
  'truncate',
] as const
export type StageId = (typeof STAGE_IDS)[number]

/** Reason codes for removed candidates (decision log and debug output). */
export type ReasonCode =
  | 'duplicate'
  | 'denylisted'
  | 'not_in_catalog'
  | 'unavailable'
  | 'region_blocked'
  | 'age_restricted'
  | 'privacy_mode'
  | 'suppressed_item'
  | 'suppressed_category'
  | 'frequency_capped'
  | 'already_seen'
  | 'consumed'
  | 'below_relevance_floor'
  | 'sponsored_cap'
  | 'below_cut'

/** The privacy mode a tier needs before it may serve. */
export const TIER_PRIVACY: Record<Tier, PrivacyMode> = {
  ranked: 'personalized',
  edge_rescored: 'personalized',
  cached_user: 'personalized',
  segment: 'personalized',
  global_popular: 'non_personalized',
  emergency: 'non_personalized',
}

const PRIVACY_RANK: Record<PrivacyMode, number> = {
  personalized: 0,
  contextual_only: 1,
  non_personalized: 2,
}

/** True when data allowed under `needed` may be used in a request running under `mode`. */
export const privacyAllows = (mode: PrivacyMode, needed: PrivacyMode): boolean =>
  PRIVACY_RANK[needed] >= PRIVACY_RANK[mode]

/** The most restrictive of several privacy modes. */
export const mostRestrictive = (...modes: PrivacyMode[]): PrivacyMode =>
  modes.reduce((a, b) => (PRIVACY_RANK[a] >= PRIVACY_RANK[b] ? a : b), 'personalized')

/** Partition helper for filters: `why` returns a reason to remove, or undefined to keep. */
export function partition<C extends Candidate>(
  stage: StageId,
  candidates: readonly C[],
  why: (c: C) => ReasonCode | undefined,
): FilterResult<C> {
  const kept: C[] = []
  const removed: Removal[] = []
  for (const c of candidates) {
    const reason = why(c)
    if (reason === undefined) kept.push(c)
    else removed.push({ item_id: c.item_id, tier: c.tier, stage, reason })
  }
  return { kept, removed }
}
