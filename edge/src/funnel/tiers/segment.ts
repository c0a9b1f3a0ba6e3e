import { kvKeys, privacyAllows, Slate, type PrivacyMode } from '@recsys/shared'
import { fromSlate, type TierContext, type TierSource } from './context'

/** The segment of this request: the user's stored segment when personalized, else one derived from the country. */
function segmentOf(ctx: TierContext): { id: string; mode: PrivacyMode } | undefined {
  if (ctx.user?.segment && privacyAllows(ctx.privacy, 'personalized'))
    return { id: ctx.user.segment, mode: 'personalized' }
  if (ctx.context.country && privacyAllows(ctx.privacy, 'contextual_only'))
    return { id: `country.${ctx.context.country}`, mode: 'contextual_only' }
  return undefined
}

/** `segment`: the precomputed list of the request's segment. */
export const segmentTier: TierSource = {
  tier: 'segment',
  skip(ctx) {
    if (!ctx.manifest.has.segments) return 'release has no segment lists'
    return segmentOf(ctx) ? undefined : 'no segment for this request'
  },
  async load(ctx) {
    const seg = segmentOf(ctx)!
    const key = kvKeys.segmentList(
      ctx.tenant,
      ctx.manifest.release,
      ctx.surface.id,
      ctx.variant,
      seg.mode,
      seg.id,
    )
    const slate = await ctx.store.getImmutable(key, Slate)
    return fromSlate(slate, 'segment', seg.mode, 'segment', 'popular_with_similar_users')
  },
}
