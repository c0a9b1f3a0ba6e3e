import {
  Denylist,
  kvKeys,
  Manifest,
  ManifestPointer,
  RuleBundles,
  type Manifest as ManifestT,
  type RuleBundles as RuleBundlesT,
} from '@recsys/shared'
import type { EdgeStore } from './interface'

/** The documents of one release the edge needs on every request. */
export interface ReleaseBundle {
  manifest: ManifestT
  denylist: ReadonlySet<string>
  rules: RuleBundlesT
}

// Last release this isolate served per tenant: stands in when the store is unreadable
// (docs/architecture.md#fail-open-fail-closed).
const lastGood = new Map<string, ReleaseBundle>()
const bundles = new Map<string, ReleaseBundle>()

export type ReleaseRead =
  | { ok: true; bundle: ReleaseBundle; stale: boolean; problem?: string }
  | { ok: false; problem: string }

/**
 * Follows the tenant's pointer to its manifest, denylist and rules. Any failure (pointer missing, store down,
 * a document that breaks its contract or names another tenant) serves the last release held in memory, or none.
 */
export async function readRelease(
  store: EdgeStore,
  tenant: string,
  pointerTtlMs: number,
): Promise<ReleaseRead> {
  try {
    const pointer = await store.getMutable(kvKeys.pointer(tenant), ManifestPointer, pointerTtlMs)
    if (!pointer) return fallback(tenant, 'no published release')
    const id = `${tenant}/${pointer.release}`
    const cached = bundles.get(id)
    if (cached) return remember(tenant, cached)
    const [manifest, denylist, rules] = await Promise.all([
      store.getImmutable(kvKeys.manifest(tenant, pointer.release), Manifest),
      store.getImmutable(kvKeys.denylist(tenant, pointer.release), Denylist),
      store.getImmutable(kvKeys.rules(tenant, pointer.release), RuleBundles),
    ])
    if (!manifest || !denylist || !rules)
      return fallback(tenant, `release ${pointer.release} is incomplete`)
    if (manifest.tenant !== tenant || manifest.release !== pointer.release)
      return fallback(
        tenant,
        `manifest of release ${pointer.release} names another tenant or release`,
      )
    const bundle = { manifest, denylist: new Set(denylist.items), rules }
    if (bundles.size > 1000) bundles.clear()
    bundles.set(id, bundle)
    return remember(tenant, bundle)
  } catch (e) {
    return fallback(tenant, `edge store unreadable: ${(e as Error).message}`)
  }
}

function remember(tenant: string, bundle: ReleaseBundle): ReleaseRead {
  lastGood.set(tenant, bundle)
  return { ok: true, bundle, stale: false }
}

function fallback(tenant: string, problem: string): ReleaseRead {
  const last = lastGood.get(tenant)
  return last ? { ok: true, bundle: last, stale: true, problem } : { ok: false, problem }
}
