import {
  anchorReason,
  err,
  ok,
  privacyAllows,
  RANK_SOURCES,
  type Candidate,
  type RankRequestInput,
  type RankSource,
} from '@recsys/shared'
import type { TierContext, TierSource } from './context'

/** Below this many ms of budget the scorer is not called (it could not answer in time). */
export const MIN_SCORER_BUDGET_MS = 5

/** Limits of the rank API (`RankRequest`). */
const MAX = { recent: 200, session: 50, exclude: 5000, limit: 500 }

/**
 * `ranked`: the regional scorer's full funnel, within the surface's deadline, behind this isolate's circuit breaker.
 * Needs personalized mode and readable user state (the scorer ranks on the user's history, and suppression must be
 * checkable). Any failure of the call (timeout, connection, status, malformed or invalid answer) fails the rung:
 * the ladder goes on to the next tier and the response is degraded; only those that say the scorer is unhealthy
 * count toward opening the breaker.
 */
export const rankedTier: TierSource = {
  tier: 'ranked',
  skip(ctx) {
    if (!ctx.scorer) return 'no scorer configured'
    if (!ctx.manifest.has.ranker) return 'release has no ranker'
    if (ctx.switches.scorer) return 'kill switch edge.scorer'
    if (!ctx.user) return 'user state unavailable'
    return privacyAllows(ctx.privacy, 'personalized') ? undefined : `privacy mode ${ctx.privacy}`
  },
  unavailable: (ctx) => (ctx.scorer?.breaker.available() === false ? 'circuit open' : undefined),
  async load(ctx) {
    const scorer = ctx.scorer!
    const budget = Math.floor(
      ctx.surface.deadline_ms - (performance.now() - ctx.started) - scorer.marginMs,
    )
    // Not the scorer's fault: the breaker is not told.
    if (budget < MIN_SCORER_BUDGET_MS) return err(`no time left for the scorer (${budget} ms)`)
    if (!scorer.breaker.admit()) return err('circuit open')
    const res = await scorer.client.rank(rankRequest(ctx), budget)
    if (!res.ok) {
      // An answer about this tenant or request alone (unknown surface, no release loaded for it) says the scorer
      // is up: it must not open the breaker that every tenant of this isolate shares.
      if (res.error.scorerFault) scorer.breaker.failure()
      else scorer.breaker.success()
      return err(`scorer: ${res.error.message}`)
    }
    scorer.breaker.success()
    if (res.value.floored > 0) ctx.floored.scorer = res.value.floored
    // The scorer serves the anchor's neighbours first, with a reason that names the anchor; rerank keeps them there.
    const anchor = anchorOf(ctx)
    const near = anchor === undefined ? undefined : anchorReason(anchor)
    return ok(
      res.value.items.map((it): Candidate => ({
        item_id: it.item_id,
        tier: 'ranked',
        needs: 'personalized',
        source: it.source,
        reason: it.reason,
        score: it.score,
        ...(it.reason === near && { anchored: true }),
      })),
    )
  },
}

/** The anchor item of an item-anchored surface. */
const anchorOf = (ctx: TierContext): string | undefined =>
  ctx.surface.kind === 'item_anchored' ? ctx.context.item_id : undefined

/** What the scorer is told: who, where, what the user just did, and what the edge will not show anyway. */
export function rankRequest(ctx: TierContext): RankRequestInput {
  const user = ctx.user!
  const exclude = new Set<string>(user.suppressedItems)
  if (ctx.excludeSeen) for (const id of user.seen) exclude.add(id)
  for (const id of ctx.tombstones ?? []) exclude.add(id)
  const country = ctx.context.country
  return {
    tenant: ctx.tenant,
    surface: ctx.surface.id,
    subject: ctx.subject,
    recent_items: user.recentItems.slice(0, MAX.recent),
    session_items: (ctx.context.session_item_ids ?? []).slice(0, MAX.session),
    ...(anchorOf(ctx) && { anchor_item: anchorOf(ctx) }),
    exclude: [...exclude].slice(0, MAX.exclude),
    exclude_consumed: ctx.excludeConsumed,
    ...(country && country.length === 2 && { country }),
    // Headroom: final eligibility and rerank may still drop some of what the scorer returns.
    limit: Math.min(MAX.limit, ctx.limit * 2 + 10),
    disabled_sources: RANK_SOURCES.filter((s: RankSource) => ctx.switches.sources.has(s)),
  }
}
