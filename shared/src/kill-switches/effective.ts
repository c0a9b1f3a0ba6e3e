import { TIERS, type Tier } from '../contracts/common'

/**
 * Raw kill switches as stored: name → engaged switch. Names are global or `tenant:<id>:<name>`.
 * @note No reason: readers get only what they act on (the reason is the control plane's, in its audit log).
 */
export type KillSwitchMap = Readonly<Record<string, { value?: string; at?: string }>>

/** What the engaged switches mean for one tenant (docs/architecture.md#kill-switches). */
export interface EffectiveSwitches {
  scorer: boolean
  edgeModel: boolean
  personalization: boolean
  /** The ladder starts at this tier. */
  forceTier?: Tier
  /** Surfaces that serve `global_popular` only. */
  surfaces: ReadonlySet<string>
  /** Candidate sources the scorer drops. */
  sources: ReadonlySet<string>
  /** Names that apply to this tenant, for the decision log. */
  engaged: string[]
}

/** Resolves global and per-tenant switches; a per-tenant `edge.force_tier` value wins over the global one. */
export function effectiveSwitches(all: KillSwitchMap, tenant: string): EffectiveSwitches {
  const prefix = `tenant:${tenant}:`
  const engaged: string[] = []
  const surfaces = new Set<string>()
  const sources = new Set<string>()
  let globalTier: string | undefined
  let tenantTier: string | undefined
  const names = new Set<string>()
  for (const [key, sw] of Object.entries(all)) {
    let name: string
    let own = false
    if (key.startsWith(prefix)) {
      name = key.slice(prefix.length)
      own = true
    } else if (key.startsWith('tenant:')) continue
    else name = key
    engaged.push(key)
    names.add(name)
    if (name === 'edge.force_tier') {
      if (own) tenantTier = sw.value
      else globalTier = sw.value
    } else if (name.startsWith('surface.')) surfaces.add(name.slice('surface.'.length))
    else if (name.startsWith('source.')) sources.add(name.slice('source.'.length))
  }
  // Each value is checked on its own: an invalid tenant value must not cancel a valid global one.
  const tier = (v?: string) =>
    (TIERS as readonly string[]).includes(v ?? '') ? (v as Tier) : undefined
  return {
    scorer: names.has('edge.scorer'),
    edgeModel: names.has('edge.edge_model'),
    personalization: names.has('edge.personalization'),
    forceTier: tier(tenantTier) ?? tier(globalTier),
    surfaces,
    sources,
    engaged: engaged.sort(),
  }
}
