import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { ScorerPointer, ScorerReleaseManifest, type ScorerFile } from '@recsys/shared'

/**
 * The read side of the scorer artifact store (layout in shared `contracts/scorer-manifest.ts`, written by the
 * control plane's `LocalScorerStore`). Local adapter: a directory; production would be an object store.
 */
export interface ArtifactStore {
  /** Tenants that have a pointer. */
  tenants(): Promise<string[]>
  /** The release the tenant's pointer names, or null when it has none. */
  pointer(tenant: string): Promise<ScorerPointer | null>
  manifest(tenant: string, release: string): Promise<ScorerReleaseManifest>
  blob(tenant: string, file: ScorerFile): Promise<Uint8Array>
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  )

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  async tenants(): Promise<string[]> {
    let names: string[]
    try {
      names = await readdir(this.root)
    } catch {
      return []
    }
    const out: string[] = []
    for (const n of names.sort())
      if (await exists(path.join(this.root, n, 'current.json'))) out.push(n)
    return out
  }

  async pointer(tenant: string): Promise<ScorerPointer | null> {
    let raw: string
    try {
      raw = await readFile(path.join(this.root, tenant, 'current.json'), 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw e
    }
    return ScorerPointer.parse(JSON.parse(raw))
  }

  async manifest(tenant: string, release: string): Promise<ScorerReleaseManifest> {
    const raw = await readFile(path.join(this.root, tenant, 'releases', `${release}.json`), 'utf8')
    const m = ScorerReleaseManifest.parse(JSON.parse(raw))
    if (m.tenant !== tenant || m.release !== release)
      throw new Error(`manifest names ${m.tenant}/${m.release}, expected ${tenant}/${release}`)
    return m
  }

  async blob(tenant: string, file: ScorerFile): Promise<Uint8Array> {
    const dir = path.resolve(this.root, tenant)
    const p = path.resolve(dir, file.path)
    if (!p.startsWith(dir + path.sep))
      throw new Error(`file path ${file.path} leaves the tenant folder`)
    return new Uint8Array(await readFile(p))
  }
}
