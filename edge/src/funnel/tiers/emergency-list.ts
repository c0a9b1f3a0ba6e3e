import type { CatalogFlags, Candidate } from '@recsys/shared'
import type { TierContext } from './context'

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

/** The emergency list held for a tenant's surface, if any. */
export const heldEmergency = (tenant: string, surface: string): Kept | undefined =>
  kept.get(keyOf(tenant, surface))

/** The flags kept with a tenant's emergency list, so eligibility can run when the store cannot be read. */
export const emergencyFlags = (
  tenant: string,
  surface: string,
): ReadonlyMap<string, CatalogFlags> | undefined => kept.get(keyOf(tenant, surface))?.flags
