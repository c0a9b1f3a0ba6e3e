import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pathInside } from '../fs/path-inside'
import { LocalBlobStore } from '../registry/blob-store'
import { LocalScorerStore } from './scorer-store'

/** File stores build paths from ids: none may name a file outside the store's root (issue 18, finding 13). */
describe('file stores stay under their root', () => {
  let dir: string
  let scorer: LocalScorerStore
  let blobs: LocalBlobStore
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'scorer-store-sec-'))
    blobs = new LocalBlobStore(path.join(dir, 'blobs'))
    scorer = new LocalScorerStore(path.join(dir, 'store', 'scorer'), blobs)
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('refuses tenants and releases that are "." or ".." or hold a separator, and writes nothing', async () => {
    for (const tenant of ['..', '.', '../x', 'a/../..', '/abs'])
      await expect(scorer.flip(tenant, 'r1'), tenant).rejects.toThrow(/leads out|names a folder/)
    await expect(
      scorer.putManifest({ tenant: 'ok', release: '../../../escaped' } as never),
    ).rejects.toThrow(/leads out|names a folder/)
    // Nothing landed beside the store (where `..` would have put current.json).
    expect(await readdir(path.join(dir, 'store')).catch(() => [])).toEqual([])
    expect(await scorer.current('..')).toBeNull()
  })

  it('refuses a blob hash or storage key that is not a SHA-256 path', async () => {
    const f = { kind: 'model' as const, name: 'm', sha256: '../../x', storage_key: 'ab/cd' }
    await expect(scorer.putFiles('ok', [f])).rejects.toThrow(/bad sha256/)
    const sha = 'a'.repeat(64)
    for (const key of ['../../etc/passwd', `bb/${sha}`, `aa/${sha}/..`])
      await expect(
        scorer.putFiles('ok', [{ ...f, sha256: sha, storage_key: key }]),
      ).rejects.toThrow(/bad blob key/)
    await expect(blobs.get('../x')).rejects.toThrow(/bad blob key/)
  })

  it('pathInside keeps dotted names that are not . or ..', () => {
    expect(pathInside('/r', 'a', '...', 'v1.2.json')).toBe('/r/a/.../v1.2.json')
    expect(() => pathInside('/r', 'a', '..', 'a')).toThrow()
    expect(() => pathInside('/r')).toThrow(/leads out/)
  })
})
