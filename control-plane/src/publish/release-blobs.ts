import { err, ok, type Result } from '@recsys/shared'
import { sha256Hex } from '../registry/blob-store'
import type { EdgeBlobWriter } from './edge-blobs'
import type { PublishError } from './publish'

/** Bytes for the artifact bucket, by content: what a release's manifest names there (its edge model). */
export interface EdgeBlob {
  sha256: string
  bytes: Uint8Array
  content_type?: string
}

/**
 * Checks, before anything is written, that a release naming artifact-bucket objects has a bucket to write them to,
 * and that every given blob's bytes hash to its sha256 and match the size the manifest names.
 */
export function checkEdgeBlobs(
  named: ReadonlyArray<{ key: string; sha256: string; size_bytes: number }>,
  given: readonly EdgeBlob[],
  writer: EdgeBlobWriter | undefined,
): Result<Map<string, EdgeBlob>, PublishError> {
  if (named.length > 0 && !writer)
    return err({
      code: 'edge_blob_missing',
      message: `the release names ${named.map((o) => o.key).join(', ')} but no artifact bucket is configured`,
    })
  const bySha = new Map(given.map((b) => [b.sha256, b]))
  for (const o of named) {
    const b = bySha.get(o.sha256)
    if (b && (sha256Hex(b.bytes) !== o.sha256 || b.bytes.byteLength !== o.size_bytes))
      return err({
        code: 'edge_blob_mismatch',
        message: `the bytes given for ${o.key} are not the ${o.size_bytes} bytes the manifest names`,
      })
  }
  return ok(bySha)
}

/**
 * The artifact-bucket step of a publish: every object the manifest names is stored before the manifest is written.
 * Objects already there are skipped: keys are content-addressed, so they hold these bytes (a retried publish, or an
 * earlier release with the same edge model).
 */
export async function writeEdgeBlobs(
  writer: EdgeBlobWriter,
  named: ReadonlyArray<{ key: string; sha256: string; size_bytes: number }>,
  given: ReadonlyMap<string, EdgeBlob>,
  say: (msg: string) => void,
): Promise<Result<void, PublishError>> {
  for (const o of named) {
    if (await writer.hasBlob(o.key)) continue
    const blob = given.get(o.sha256)
    if (!blob)
      return err({
        code: 'edge_blob_missing',
        message: `the manifest names ${o.key}, which is neither stored nor given`,
      })
    say(`writing ${o.key} (${o.size_bytes} bytes) to the edge's artifact bucket`)
    await writer.putBlob(o.key, blob.bytes, blob.content_type)
  }
  return ok(undefined)
}
