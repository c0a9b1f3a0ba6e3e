import { mkdir, readFile, rename, writeFile, copyFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { ArtifactKind, ScorerReleaseManifest } from '@recsys/shared'
import type { z } from 'zod'
import { pathInside } from '../fs/path-inside'
import type { LocalBlobStore } from '../registry/blob-store'

/** One scorer-side artifact of a release (model, edge model, index, neighbors, trending, catalog, fallback). */
export interface ScorerFileSource {
  kind: ArtifactKind
  name: string
  sha256: string
  storage_key: string
  metadata?: Record<string, unknown>
}

/**
 * The write side of the scorer artifact store (docs/architecture.md#stores): blobs by content, one manifest per
 * release, and a `current.json` pointer per tenant that the scorer follows. Local adapter: a directory
 * (`.data/scorer`).
 * @note Same protocol as the edge store: content-addressed blobs, then the release manifest, then the pointer.
 * @note Every path is built with `pathInside`: a tenant, release or hash that would lead out of the root throws.
 */
export interface ScorerStoreWriter {
  putFiles(tenant: string, files: readonly ScorerFileSource[]): Promise<void>
  putManifest(m: z.input<typeof ScorerReleaseManifest>): Promise<void>
  hasManifest(tenant: string, release: string): Promise<boolean>
  flip(tenant: string, release: string): Promise<void>
}

export class LocalScorerStore implements ScorerStoreWriter {
  constructor(
    readonly root: string,
    private readonly blobs: LocalBlobStore,
  ) {}

  static blobPath = (f: Pick<ScorerFileSource, 'sha256'>) => {
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`bad sha256 ${JSON.stringify(f.sha256)}`)
    return `blobs/${f.sha256}`
  }

  /** A file of the tenant's folder. */
  private file(tenant: string, ...rest: string[]) {
    return pathInside(this.root, tenant, ...rest)
  }

  private async atomicWrite(file: string, data: string | Uint8Array) {
    await mkdir(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
    await writeFile(tmp, data)
    await rename(tmp, file)
  }

  async putFiles(tenant: string, files: readonly ScorerFileSource[]) {
    for (const f of files) {
      const dest = this.file(tenant, LocalScorerStore.blobPath(f))
      if (
        await stat(dest).then(
          () => true,
          () => false,
        )
      )
        continue
      await mkdir(path.dirname(dest), { recursive: true })
      const tmp = `${dest}.${process.pid}.tmp`
      await copyFile(this.blobs.file(f.storage_key), tmp)
      await rename(tmp, dest)
    }
  }

  async putManifest(m: z.input<typeof ScorerReleaseManifest>) {
    await this.atomicWrite(
      this.file(m.tenant, 'releases', `${m.release}.json`),
      JSON.stringify(m, null, 2),
    )
  }

  async hasManifest(tenant: string, release: string) {
    return stat(this.file(tenant, 'releases', `${release}.json`)).then(
      () => true,
      () => false,
    )
  }

  async flip(tenant: string, release: string) {
    await this.atomicWrite(
      this.file(tenant, 'current.json'),
      JSON.stringify({ release, updated_at: new Date().toISOString() }),
    )
  }

  /** The release the tenant's scorer pointer names, or null. */
  async current(tenant: string): Promise<string | null> {
    try {
      const doc = JSON.parse(await readFile(this.file(tenant, 'current.json'), 'utf8')) as {
        release: string
      }
      return doc.release
    } catch {
      return null
    }
  }
}
