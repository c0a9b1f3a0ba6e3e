import {
  calibrate,
  EDGE_FEATURE_COUNT,
  edgeFeatures,
  err,
  ok,
  privacyAllows,
  type Candidate,
} from '@recsys/shared'
import { edgeModel } from '../../adapters/edge-model/store'
import { cachedUserTier } from './cached-user'
import type { TierContext, TierSource } from './context'

/**
 * `edge_rescored`: the same cached slate as `cached_user`, re-scored in workerd by the release's `edge_model`
 * (onnxruntime-web) with what the edge knows of the session — the categories of the request's session items and
 * of the user's recent items — then sorted by score. Needs personalized mode and readable user state: the
 * session context is personal data, even on an item-anchored surface.
 * @note Features come from the shared `edgeFeatures`, the code the batch pipeline trains the edge model with.
 */
export const edgeRescoredTier: TierSource = {
  tier: 'edge_rescored',
  skip(ctx) {
    if (!ctx.manifest.edge_model) return 'release has no edge model'
    if (ctx.switches.edgeModel) return 'kill switch edge.edge_model'
    if (!ctx.user) return 'user state unavailable'
    if (!privacyAllows(ctx.privacy, 'personalized')) return `privacy mode ${ctx.privacy}`
    return cachedUserTier.skip(ctx)
  },
  async load(ctx) {
    const ref = ctx.manifest.edge_model!
    const [slate, model] = await Promise.all([
      cachedUserTier.load(ctx),
      edgeModel(ctx.artifacts, ref),
    ])
    if (!slate.ok) return slate
    const items = slate.value
    if (items.length === 0) return ok([])
    const history = historyOf(ctx)
    await ctx.catalog.preload([...items.map((c) => c.item_id), ...history])
    const rows = edgeFeatures(
      items.map((c) => {
        const flags = ctx.catalog.get(c.item_id)
        return {
          score: c.score,
          categories: flags?.categories ?? [],
          published_at: flags?.published_at,
        }
      }),
      history.flatMap((id) => {
        const flags = ctx.catalog.get(id)
        return flags ? [flags.categories] : []
      }),
      ctx.now,
    )
    const raw = await model.run(rows, items.length, EDGE_FEATURE_COUNT)
    const { scores, nan, outOfRange } = calibrate(raw, ref.metadata)
    if (nan || outOfRange) ctx.floored.edge_model = { nan, out_of_range: outOfRange }
    if (scores.length !== items.length) return err('edge model gave a score count unlike its input')
    // A stable sort: equal scores keep the cached slate's order.
    return ok(
      items
        .map((c, i): Candidate => ({
          ...c,
          tier: 'edge_rescored',
          needs: 'personalized',
          score: scores[i]!,
        }))
        .map((c, i) => ({ c, i }))
        .sort((a, b) => b.c.score! - a.c.score! || a.i - b.i)
        .map(({ c }) => c),
    )
  },
}

/** Session items (newest first), then the user's recent items, each once (items not in the catalog add nothing). */
function historyOf(ctx: TierContext): string[] {
  const seen = new Set<string>()
  for (const id of ctx.context.session_item_ids ?? []) seen.add(id)
  for (const id of ctx.user?.recentItems ?? []) seen.add(id)
  return [...seen]
}
