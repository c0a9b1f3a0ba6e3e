import {
  applyEligibility,
  err,
  fillLadder,
  rerank,
  TIERS,
  type Candidate,
  type EffectiveSwitches,
  type EligibilityContext,
  type FilterResult,
  type LadderResult,
  type Removal,
  type RuleBundle,
  type Rung,
} from '@recsys/shared'
import type { ReleaseBundle } from '../adapters/edge-store/release'
import { cachedUserTier } from './tiers/cached-user'
import type { TierContext, TierSource } from './tiers/context'
import { edgeRescoredTier } from './tiers/edge-rescored'
import { emergencyTier } from './tiers/emergency'
import { globalPopularTier } from './tiers/global-popular'
import { rankedTier } from './tiers/ranked'
import { segmentTier } from './tiers/segment'

/**
 * The fallback ladder, in order (docs/architecture.md#tier-ladder). A tier is one entry here. The scorer-facing tiers
 * come first: `ranked` (regional scorer, behind a circuit breaker) and `edge_rescored` (the cached slate re-scored by
 * the edge model); every tier below them needs nothing but the edge store.
 */
export const LADDER: readonly TierSource[] = [
  rankedTier,
  edgeRescoredTier,
  cachedUserTier,
  segmentTier,
  globalPopularTier,
  emergencyTier,
]

export interface FunnelInput {
  tier: TierContext
  release: ReleaseBundle
  switches: EffectiveSwitches
  /** Real-time tombstones; undefined when unreadable (the release denylist still applies). */
  tombstones: ReadonlySet<string> | undefined
  rules: RuleBundle
  limit: number
  now: number
  /** Seed of deterministic rerank draws: the slate id. */
  seed: string
}

export interface FunnelOutput {
  ladder: LadderResult<Candidate>
  items: ReturnType<typeof rerank<Candidate>>['items']
  removed: Removal[]
  /** Tiers skipped because they could not be used now (circuit open): the response is degraded. */
  unavailable: string[]
}

/** Why a tier is skipped by policy before anything is read. */
function policySkip(source: TierSource, input: FunnelInput): string | undefined {
  const { switches, tier } = input
  if (
    switches.surfaces.has(tier.surface.id) &&
    source.tier !== 'global_popular' &&
    source.tier !== 'emergency'
  )
    return `kill switch surface.${tier.surface.id}`
  if (switches.forceTier && TIERS.indexOf(source.tier) < TIERS.indexOf(switches.forceTier))
    return `kill switch edge.force_tier=${switches.forceTier}`
  return source.skip(tier)
}

/** Runs the ladder with final eligibility on every tier, then reranks and cuts to `limit`. */
export async function runFunnel(input: FunnelInput): Promise<FunnelOutput> {
  const { tier: ctx, release, tombstones, rules } = input
  const denied = tombstones ? union(release.denylist, tombstones) : release.denylist
  const eligibility: EligibilityContext = {
    now: input.now,
    denied,
    catalog: ctx.catalog.get,
    user: ctx.user,
    country: ctx.context.country,
    privacy: ctx.privacy,
    rules: rules.eligibility,
    // The user's history the edge knows, for `exclude_consumed`: the recent items of user state, personal data
    // read in personalized mode only (as for the session context).
    consumed:
      ctx.user && ctx.privacy === 'personalized' ? new Set(ctx.user.recentItems) : undefined,
  }
  const anchor = ctx.surface.kind === 'item_anchored' ? ctx.context.item_id : undefined

  const unavailable: string[] = []
  const rungs: Rung<Candidate>[] = LADDER.map((source) => ({
    tier: source.tier,
    skip: policySkip(source, input) ?? unusable(source, ctx, unavailable),
    load: async () => {
      try {
        const loaded = await source.load(ctx)
        if (!loaded.ok) return loaded
        try {
          await ctx.catalog.preload(loaded.value.map((c) => c.item_id))
        } catch (e) {
          // The emergency list carries the flags it was last checked with; other tiers cannot be checked.
          if (source.tier !== 'emergency') return err(`catalog unreadable: ${(e as Error).message}`)
        }
        return loaded
      } catch (e) {
        return err(`${source.tier} unreadable: ${(e as Error).message}`)
      }
    },
  }))

  const eligible = (cs: readonly Candidate[]): FilterResult<Candidate> => {
    if (!anchor) return applyEligibility(cs, eligibility)
    // The anchor item is never recommended next to itself.
    const r = applyEligibility(
      cs.filter((c) => c.item_id !== anchor),
      eligibility,
    )
    const dropped = cs.filter((c) => c.item_id === anchor)
    return {
      kept: r.kept,
      removed: [
        ...dropped.map((c) => ({
          item_id: c.item_id,
          tier: c.tier,
          stage: 'dedupe' as const,
          reason: 'duplicate' as const,
        })),
        ...r.removed,
      ],
    }
  }

  const rerankCtx = {
    now: input.now,
    limit: input.limit,
    catalog: ctx.catalog.get,
    rules: rules.rerank,
    seed: input.seed,
  }
  // Enough once rerank would fill the slate: it may drop items (sponsored over the cap, below the floor).
  // The last rerank is kept: when the ladder stops because of it, it is the final one.
  let last:
    | { pool: readonly Candidate[]; n: number; result: ReturnType<typeof rerank<Candidate>> }
    | undefined
  const rerankHeld = (held: readonly Candidate[]) => {
    if (last && last.pool === held && last.n === held.length) return last.result
    last = { pool: held, n: held.length, result: rerank(held, rerankCtx) }
    return last.result
  }
  const enough = (held: readonly Candidate[]) =>
    held.length >= input.limit && rerankHeld(held).items.length >= input.limit
  const ladder = await fillLadder(rungs, eligible, enough)
  const reranked = rerankHeld(ladder.candidates)
  return {
    ladder,
    items: reranked.items,
    removed: [...ladder.removed, ...reranked.removed],
    unavailable,
  }
}

/** A tier that applies but cannot be used now is skipped, and noted so the response says it is degraded. */
function unusable(source: TierSource, ctx: TierContext, out: string[]): string | undefined {
  const why = source.unavailable?.(ctx)
  if (why !== undefined) out.push(`${source.tier}: ${why}`)
  return why
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (b.size === 0) return a
  const out = new Set(a)
  for (const x of b) out.add(x)
  return out
}
