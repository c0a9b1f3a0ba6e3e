import { BASE_VARIANT, kvKeys, Slate } from '@recsys/shared'
import { fromSlate, type TierSource } from './context'
import { rememberEmergency } from './emergency-list'

/** `global_popular`: the tenant's published popular list for the surface (the variant's, else the base one). */
export const globalPopularTier: TierSource = {
  tier: 'global_popular',
  skip: () => undefined,
  async load(ctx) {
    const { tenant, manifest, surface, variant } = ctx
    let slate = await ctx.store.getImmutable(
      kvKeys.popular(tenant, manifest.release, surface.id, variant),
      Slate,
    )
    if (!slate && variant !== BASE_VARIANT)
      slate = await ctx.store.getImmutable(
        kvKeys.popular(tenant, manifest.release, surface.id, BASE_VARIANT),
        Slate,
      )
    const out = fromSlate(slate, 'global_popular', 'non_personalized', 'popular', 'popular')
    if (out.ok && out.value.length > 0) {
      await ctx.catalog.preload(out.value.map((c) => c.item_id))
      rememberEmergency(ctx, out.value)
    }
    return out
  },
}
