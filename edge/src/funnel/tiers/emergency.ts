import { err, ok } from '@recsys/shared'
import type { TierSource } from './context'
import { heldEmergency } from './emergency-list'
import { globalPopularTier } from './global-popular'

/**
 * `emergency`: the last good list of this tenant held in isolate memory; it still passes final eligibility.
 * When `edge.force_tier=emergency` finds an isolate that holds none yet (it has served no popular list since it
 * started), the list is first read as `global_popular` reads it, so that forcing the tier never empties the slate.
 */
export const emergencyTier: TierSource = {
  tier: 'emergency',
  skip: (ctx) =>
    heldEmergency(ctx.tenant, ctx.surface.id) || ctx.switches.forceTier === 'emergency'
      ? undefined
      : 'no list held in memory',
  async load(ctx) {
    if (!heldEmergency(ctx.tenant, ctx.surface.id)) {
      const seeded = await globalPopularTier.load(ctx)
      if (!seeded.ok) return err(`no list held in memory, and the popular list: ${seeded.error}`)
    }
    const k = heldEmergency(ctx.tenant, ctx.surface.id)
    if (!k) return err('no list held in memory')
    return ok(k.items.map((c) => ({ ...c, tier: 'emergency' as const, source: 'emergency' })))
  },
}
