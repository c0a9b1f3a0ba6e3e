import { kvKeys, privacyAllows, Slate } from '@recsys/shared'
import { fromSlate, type TierSource } from './context'

/**
 * `cached_user`: the precomputed slate of this user, or, on an item-anchored surface, of the anchor item.
 * User slates need personalized mode and readable user state; anchored slates only the request's own item.
 */
export const cachedUserTier: TierSource = {
  tier: 'cached_user',
  skip(ctx) {
    if (ctx.surface.kind === 'item_anchored') {
      if (!ctx.manifest.has.anchored_slates) return 'release has no anchored slates'
      return privacyAllows(ctx.privacy, 'contextual_only')
        ? undefined
        : `privacy mode ${ctx.privacy}`
    }
    if (!ctx.manifest.has.user_slates) return 'release has no user slates'
    if (!ctx.user) return 'user state unavailable'
    if (!ctx.subject.startsWith('u.')) return 'anonymous subject'
    return privacyAllows(ctx.privacy, 'personalized') ? undefined : `privacy mode ${ctx.privacy}`
  },
  async load(ctx) {
    const { tenant, manifest, surface, variant } = ctx
    if (surface.kind === 'item_anchored') {
      const anchor = ctx.context.item_id!
      const key = kvKeys.anchoredSlate(tenant, manifest.release, surface.id, variant, anchor)
      const slate = await ctx.store.getImmutable(key, Slate)
      return fromSlate(slate, 'cached_user', 'contextual_only', 'item2item', 'similar_items')
    }
    const key = kvKeys.userSlate(
      tenant,
      manifest.release,
      surface.id,
      variant,
      ctx.subject.slice(2),
    )
    const slate = await ctx.store.getImmutable(key, Slate)
    return fromSlate(slate, 'cached_user', 'personalized', 'user_slate', 'recommended_for_you')
  },
}
