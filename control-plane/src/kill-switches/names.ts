import { err, Id, ok, TIERS, type Result } from '@recsys/shared'

/**
 * Switches named by a fixed word (docs/architecture.md#kill-switches); `source.<id>` and `surface.<id>` are families.
 */
export const EDGE_SWITCHES = [
  'edge.scorer',
  'edge.edge_model',
  'edge.personalization',
  'edge.force_tier',
] as const

/** A switch name taken apart: `[tenant:<id>:]<base>`, where base is an edge switch or a family member. */
export interface SwitchName {
  /** The full name, as stored in Postgres and as the Redis hash field. */
  name: string
  /** The tenant when the name is tenant-scoped, else undefined (global). */
  tenant?: string
  /** The name without its tenant prefix, e.g. `edge.scorer` or `surface.home_feed`. */
  base: string
  /** The value it carries when engaged (only `edge.force_tier` takes one). */
  value?: string
}

const TENANT_PREFIX = 'tenant:'

/** Checks an id against shared's `Id`; returns the reason it is bad, or undefined. */
function badId(id: string): string | undefined {
  const r = Id.safeParse(id)
  return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid id')
}

/** Parses a switch name without looking at a value (release, lookups). */
export function parseSwitchName(name: string): Result<SwitchName> {
  let tenant: string | undefined
  let base = name
  if (name.startsWith(TENANT_PREFIX)) {
    const rest = name.slice(TENANT_PREFIX.length)
    const colon = rest.indexOf(':')
    if (colon < 0) return err(`"${name}": a tenant switch is tenant:<tenant-id>:<switch>`)
    tenant = rest.slice(0, colon)
    base = rest.slice(colon + 1)
    const bad = badId(tenant)
    if (bad) return err(`"${name}": bad tenant id "${tenant}": ${bad}`)
  }
  if ((EDGE_SWITCHES as readonly string[]).includes(base)) return ok({ name, tenant, base })
  for (const family of ['source.', 'surface.']) {
    if (!base.startsWith(family)) continue
    const id = base.slice(family.length)
    const bad = badId(id)
    if (bad) return err(`"${name}": bad ${family.slice(0, -1)} id "${id}": ${bad}`)
    return ok({ name, tenant, base })
  }
  return err(
    `"${name}": unknown kill switch; expected ${EDGE_SWITCHES.join(', ')}, source.<id> or ` +
      'surface.<id>, optionally prefixed tenant:<tenant-id>:',
  )
}

/** Validates a name and the value to engage it with: `edge.force_tier` needs a tier, others take none. */
export function validateSwitch(name: string, value?: string): Result<SwitchName> {
  const parsed = parseSwitchName(name)
  if (!parsed.ok) return parsed
  if (parsed.value.base === 'edge.force_tier') {
    if (value === undefined || value === '')
      return err(`"${name}" needs a value, one of ${TIERS.join(', ')}`)
    if (!(TIERS as readonly string[]).includes(value))
      return err(`"${name}": "${value}" is not a tier; expected one of ${TIERS.join(', ')}`)
    return ok({ ...parsed.value, value })
  }
  if (value !== undefined) return err(`"${name}" takes no value (got "${value}")`)
  return parsed
}
