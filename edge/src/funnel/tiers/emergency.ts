import { err, ok, type CatalogFlags, type Candidate } from '@recsys/shared'
import type { TierContext, TierSource } from './context'

interface Kept {
  release: string
  items: Candidate[]
  flags: Map<string, CatalogFlags>
}

// Isolate memory: the last popular list loaded per tenant and surface, with the catalog flags it was checked with.
const kept = new Map<string, Kept>()
const keyOf = (tenant: string, surface: string) => `${tenant}\u0000${surface}`

/** Keeps a loaded popular list (and its flags) as this tenant's emergency list. */
export function rememberEmergency(ctx: TierContext, items: Candidate[]): void {
  const flags = new Map<string, CatalogFlags>()
  for (const c of items) {
    const f = ctx.catalog.get(c.item_id)
    if (f) flags.set(c.item_id, f)
  }
  kept.set(keyOf(ctx.tenant, ctx.surface.id), { release: ctx.manifest.release, items, flags })
}

/** The flags kept with a tenant's emergency list, so eligibility can run when the store cannot be read. */
export const emergencyFlags = (
  tenant: string,
  surface: string,
): ReadonlyMap<string, CatalogFlags> | undefined => kept.get(keyOf(tenant, surface))?.flags

/** `emergency`: the last good list of this tenant held in isolate memory; it still passes final eligibility. */
export const emergencyTier: TierSource = {
  tier: 'emergency',
  skip: (ctx) =>
    kept.has(keyOf(ctx.tenant, ctx.surface.id)) ? undefined : 'no list held in memory',
  async load(ctx) {
    const k = kept.get(keyOf(ctx.tenant, ctx.surface.id))
    if (!k) return err('no list held in memory')
    return ok(k.items.map((c) => ({ ...c, tier: 'emergency' as const, source: 'emergency' })))
  },
}
