import { z } from 'zod'
import { Id } from './common'

/**
 * The bytes of an `index` artifact (docs/architecture.md#artifacts-and-releases: HNSW + embeddings), one
 * self-describing file:
 *
 *     "RSINDEX1"            8 bytes, magic and format version
 *     header length H       uint32, little-endian
 *     header                H bytes of UTF-8 JSON ({@link IndexBundleHeader})
 *     padding               zero bytes up to a multiple of 4
 *     item vectors          float32 LE, items.length × dims, row i is items[i] (and HNSW label i)
 *     user vectors          float32 LE, users.length × dims
 *     hnsw                  the hnswlib index as `writeIndex` wrote it (hnsw_bytes bytes; may be 0)
 *
 * Pure code: the pipeline encodes, the scorer decodes (and hands the HNSW part to hnswlib), and the gate checks.
 */
export const INDEX_MAGIC = 'RSINDEX1'

export const IndexBundleHeader = z.object({
  space: z.enum(['l2', 'ip', 'cosine']),
  dims: z.number().int().positive().max(4096),
  items: z.array(Id),
  users: z.array(Id),
  hnsw_bytes: z.number().int().min(0),
  /** HNSW build parameters, for lineage. */
  hnsw: z.object({ m: z.number().int(), ef_construction: z.number().int() }).optional(),
})
export type IndexBundleHeader = z.infer<typeof IndexBundleHeader>

export interface IndexBundle {
  header: IndexBundleHeader
  /** items.length × dims, row-major. */
  itemVectors: Float32Array
  /** users.length × dims, row-major. */
  userVectors: Float32Array
  hnsw: Uint8Array
}

const pad4 = (n: number) => (4 - (n % 4)) % 4

function floatsLE(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return out
}

function readFloatsLE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4)
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

export function encodeIndexBundle(b: {
  space: IndexBundleHeader['space']
  dims: number
  items: readonly string[]
  itemVectors: Float32Array
  users: readonly string[]
  userVectors: Float32Array
  hnsw: Uint8Array
  hnswParams?: IndexBundleHeader['hnsw']
}): Uint8Array {
  if (b.itemVectors.length !== b.items.length * b.dims)
    throw new Error(`item vectors: ${b.itemVectors.length} values for ${b.items.length}×${b.dims}`)
  if (b.userVectors.length !== b.users.length * b.dims)
    throw new Error(`user vectors: ${b.userVectors.length} values for ${b.users.length}×${b.dims}`)
  const header: IndexBundleHeader = {
    space: b.space,
    dims: b.dims,
    items: [...b.items],
    users: [...b.users],
    hnsw_bytes: b.hnsw.length,
    ...(b.hnswParams && { hnsw: b.hnswParams }),
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const start = 12 + json.length + pad4(12 + json.length)
  const out = new Uint8Array(
    start + (b.itemVectors.length + b.userVectors.length) * 4 + b.hnsw.length,
  )
  out.set(new TextEncoder().encode(INDEX_MAGIC), 0)
  new DataView(out.buffer).setUint32(8, json.length, true)
  out.set(json, 12)
  out.set(floatsLE(b.itemVectors), start)
  out.set(floatsLE(b.userVectors), start + b.itemVectors.length * 4)
  out.set(b.hnsw, start + (b.itemVectors.length + b.userVectors.length) * 4)
  return out
}

/** Decodes and checks an index bundle; throws with a message that names the problem. */
export function decodeIndexBundle(bytes: Uint8Array): IndexBundle {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== INDEX_MAGIC)
    throw new Error(`not an index bundle (expected the magic ${INDEX_MAGIC})`)
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(8, true)
  if (12 + h > bytes.length) throw new Error(`index bundle header (${h} bytes) runs past the file`)
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h)))
  } catch (e) {
    throw new Error(`index bundle header is not JSON: ${String(e)}`)
  }
  const parsed = IndexBundleHeader.safeParse(raw)
  if (!parsed.success)
    throw new Error(
      `index bundle header: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
    )
  const header = parsed.data
  const start = 12 + h + pad4(12 + h)
  const nItem = header.items.length * header.dims
  const nUser = header.users.length * header.dims
  const expected = start + (nItem + nUser) * 4 + header.hnsw_bytes
  if (bytes.length !== expected)
    throw new Error(`index bundle is ${bytes.length} bytes; its header describes ${expected}`)
  if (new Set(header.items).size !== header.items.length)
    throw new Error('index bundle lists an item twice')
  if (new Set(header.users).size !== header.users.length)
    throw new Error('index bundle lists a user twice')
  const itemVectors = readFloatsLE(bytes, start, nItem)
  const userVectors = readFloatsLE(bytes, start + nItem * 4, nUser)
  for (const v of [itemVectors, userVectors])
    for (let i = 0; i < v.length; i++)
      if (!Number.isFinite(v[i])) throw new Error(`index bundle holds a non-finite vector value`)
  const off = start + (nItem + nUser) * 4
  return { header, itemVectors, userVectors, hnsw: bytes.subarray(off, off + header.hnsw_bytes) }
}

/** Row `i` of a row-major matrix, without copying. */
export const row = (m: Float32Array, dims: number, i: number): Float32Array =>
  m.subarray(i * dims, (i + 1) * dims)
