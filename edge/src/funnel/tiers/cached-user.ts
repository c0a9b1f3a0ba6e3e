import { anchorReason, kvKeys, privacyAllows, shardOf, Slate, UserSlatePage } from '@recsys/shared'
import { fromSlate, type TierSource } from './context'

/**
 * `cached_user`: the precomputed slate of this user, or, on an item-anchored surface, of the anchor item.
 * User slates need personalized mode and readable user state. Anchored slates depend on the item the page shows
 * and on nothing about the user, so they serve in every privacy mode; their entries are the anchor's neighbours
 * (source `item2item`, and, where the slate gives none, a reason naming the anchor).
 */
export const cachedUserTier: TierSource = {
  tier: 'cached_user',
  skip(ctx) {
    if (ctx.surface.kind === 'item_anchored') {
      return ctx.manifest.has.anchored_slates ? undefined : 'release has no anchored slates'
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
      const out = fromSlate(
        slate,
        'cached_user',
        'non_personalized',
        'item2item',
        anchorReason(anchor),
      )
      if (out.ok) for (const c of out.value) c.anchored = true
      return out
    }
    const user = ctx.subject.slice(2)
    const pages = manifest.user_slate_pages
    if (pages < 1)
      return fromSlate(null, 'cached_user', 'personalized', 'user_slate', 'recommended_for_you')
    const key = kvKeys.userSlatePage(
      tenant,
      manifest.release,
      surface.id,
      variant,
      shardOf(user, pages),
    )
    const page = await ctx.store.getImmutable(key, UserSlatePage)
    // Own properties only: a user id like `constructor` has no slate, whatever Object.prototype holds.
    const slate = page && Object.hasOwn(page.users, user) ? page.users[user]! : null
    return fromSlate(slate, 'cached_user', 'personalized', 'user_slate', 'recommended_for_you')
  },
}
