import type { ArtifactKind, TenantConfig } from '@recsys/shared'
import type { GateFailure } from '../registry/gate-failure'
import type { ParsedArtifact } from '../registry/parse'
import type { VersionInfo } from '../registry/register'

/** Kinds a release holds at most one artifact of. */
const SINGLE_KINDS = new Set<ArtifactKind>([
  'model',
  'edge_model',
  'index',
  'trending',
  'neighbors',
  'consumed',
])

/** Checks across artifacts: one bundle per rule id, every surface has its rules and a fallback list. */
export function crossChecks(
  parsed: Array<{ v: VersionInfo; a: ParsedArtifact }>,
  config: TenantConfig,
): GateFailure[] {
  const out: GateFailure[] = []
  const fail = (check: string, message: string, offending: string[]) =>
    out.push({
      artifact: 'release',
      check,
      message,
      offending: offending.slice(0, 20),
      count: offending.length,
    })
  const kinds = (k: ArtifactKind) => parsed.filter((p) => p.a.kind === k)
  for (const k of SINGLE_KINDS) {
    const many = kinds(k)
    if (many.length > 1)
      fail(
        'ambiguous',
        `more than one ${k} artifact: pick one version of each`,
        many.map((p) => p.v.name),
      )
  }
  const bundles = new Map<string, string>()
  for (const p of kinds('rules'))
    if (p.a.kind === 'rules')
      for (const id of Object.keys(p.a.file)) {
        if (bundles.has(id)) fail('duplicate_rules', 'rule bundles defined twice', [id])
        bundles.set(id, p.v.name)
      }
  const missingRules = config.surfaces.filter((s) => !bundles.has(s.rules))
  if (missingRules.length)
    fail(
      'missing_rules',
      'surfaces whose rule bundle no rules artifact defines',
      missingRules.map((s) => `${s.id}: ${s.rules}`),
    )
  const fallbackFor = new Map<string, string>()
  const twice: string[] = []
  for (const p of kinds('fallback'))
    if (p.a.kind === 'fallback')
      for (const l of p.a.file.lists) {
        const key = `${l.surface}/${l.variant ?? ''}`
        const first = fallbackFor.get(key)
        if (first) twice.push(`${key} in ${first} and ${p.v.name}`)
        fallbackFor.set(key, p.v.name)
      }
  if (twice.length)
    fail('duplicate_fallback', 'fallback lists given by two artifacts: pick one version', twice)
  const noFallback = config.surfaces.filter((s) => !fallbackFor.has(`${s.id}/`))
  if (noFallback.length)
    fail(
      'missing_fallback',
      'surfaces without a fallback list',
      noFallback.map((s) => s.id),
    )
  return out
}
