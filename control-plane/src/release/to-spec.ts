import { NO_MODEL, type ReleaseSpec, type TenantConfig } from '@recsys/shared'
import { sha256Hex } from '../registry/blob-store'
import type { ParsedArtifact } from '../registry/parse'
import type { VersionInfo } from '../registry/register'

/**
 * The ReleaseSpec of checked artifacts: denylists (with every tombstone) merged, rule bundles merged, fallback lists
 * as popular lists, slates split by type, the model version and the edge model named.
 * @note With a `consumed` artifact, a user slate of a surface whose rule bundle says `exclude_consumed` loses the
 * user's consumed items here, whoever produced it: the edge serves cached slates without knowing that history.
 */
export function toSpec(
  parsed: Array<{ v: VersionInfo; a: ParsedArtifact }>,
  c: {
    tenant: string
    release: string
    config: TenantConfig
    catalog: ReleaseSpec['catalog']
    tombstones: string[]
    experiments: ReleaseSpec['experiments']
    now: Date
  },
): ReleaseSpec {
  const denylist = new Set<string>(c.tombstones)
  const rules: ReleaseSpec['rules'] = {}
  const popular: ReleaseSpec['popular'] = []
  const user_slates: NonNullable<ReleaseSpec['user_slates']> = []
  const anchored_slates: NonNullable<ReleaseSpec['anchored_slates']> = []
  const segments: NonNullable<ReleaseSpec['segments']> = []
  let consumed: ReadonlyMap<string, ReadonlySet<string>> | undefined
  let model_version = NO_MODEL
  let edge_model: ReleaseSpec['edge_model']
  const rulesVersions: string[] = []
  for (const { v, a } of parsed)
    switch (a.kind) {
      case 'denylist':
        for (const id of a.file.items) denylist.add(id)
        break
      case 'rules':
        Object.assign(rules, a.file)
        rulesVersions.push(`${v.name}@${v.sha256.slice(0, 12)}`)
        break
      case 'fallback':
        for (const l of a.file.lists)
          popular.push({ surface: l.surface, variant: l.variant, slate: l.slate })
        break
      case 'slates':
        for (const l of a.lines)
          if (l.type === 'user') user_slates.push(l)
          else if (l.type === 'anchored') anchored_slates.push(l)
          else segments.push(l)
        break
      case 'consumed':
        consumed = new Map(Object.entries(a.file.users).map(([u, items]) => [u, new Set(items)]))
        break
      case 'model':
        model_version = `${v.name}@${v.sha256.slice(0, 12)}`
        break
      case 'edge_model':
        // Named by the SHA-256 of its bytes (not the version id, which also hashes the metadata).
        edge_model = {
          sha256: sha256Hex(a.bytes),
          size_bytes: a.bytes.byteLength,
          metadata: a.metadata,
        }
        break
      default:
        break
    }
  if (consumed) withoutConsumed(user_slates, consumed, c.config, rules)
  return {
    tenant: c.tenant,
    release: c.release,
    created_at: c.now.toISOString(),
    model_version,
    rules_version: rulesVersions.join('+'),
    config: c.config,
    catalog: c.catalog,
    denylist: [...denylist].sort(),
    rules,
    popular,
    user_slates,
    anchored_slates,
    segments,
    experiments: c.experiments,
    ...(edge_model ? { edge_model } : {}),
  }
}

/** Drops each user's consumed items from their slates on surfaces whose rules exclude consumed items (in place). */
function withoutConsumed(
  slates: NonNullable<ReleaseSpec['user_slates']>,
  consumed: ReadonlyMap<string, ReadonlySet<string>>,
  config: TenantConfig,
  rules: ReleaseSpec['rules'],
) {
  const excludes = new Map(
    config.surfaces.map((s) => [
      s.id,
      (rules[s.rules] ?? rules.default)?.eligibility?.exclude_consumed ?? true,
    ]),
  )
  for (const [i, l] of slates.entries()) {
    const history = consumed.get(l.user_id)
    if (!history || excludes.get(l.surface) === false) continue
    if (!l.slate.items.some((e) => history.has(e.item_id))) continue
    slates[i] = {
      ...l,
      slate: { ...l.slate, items: l.slate.items.filter((e) => !history.has(e.item_id)) },
    }
  }
}
