import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** Where artifact bytes are kept, by content: the key is derived from the SHA-256, so a put is idempotent. */
export interface BlobStore {
  put(bytes: Uint8Array): Promise<StoredBlob>
  get(key: string): Promise<Uint8Array>
  has(key: string): Promise<boolean>
}

export interface StoredBlob {
  sha256: string
  size: number
  key: string
}

export const sha256Hex = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex')

/**
 * A blob store in a local directory (`.data/blobs` by default): `<root>/<sha[0:2]>/<sha>`.
 * @note Writes go to a temporary name and are renamed into place, so a reader never sees half a blob.
 */
export class LocalBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  /** The file of a blob key (`<sha[0:2]>/<sha>`); any other key throws, so no key names a file outside. */
  file(key: string): string {
    if (!/^([0-9a-f]{2})\/\1[0-9a-f]{62}$/.test(key)) throw new Error(`bad blob key ${key}`)
    return path.join(this.root, key)
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes)
    const key = `${sha256.slice(0, 2)}/${sha256}`
    const file = this.file(key)
    if (!(await this.has(key))) {
      await mkdir(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
      await writeFile(tmp, bytes)
      await rename(tmp, file)
    }
    return { sha256, size: bytes.byteLength, key }
  }

  async get(key: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.file(key)))
  }

  async has(key: string): Promise<boolean> {
    return stat(this.file(key)).then(
      () => true,
      () => false,
    )
  }
}
