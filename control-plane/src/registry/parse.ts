import {
  BINARY_KINDS,
  CatalogFile,
  ConsumedFile,
  DenylistFile,
  FallbackFile,
  decodeIndexBundle,
  IndexMetadata,
  type IndexBundleHeader,
  ModelMetadata,
  NeighborsFile,
  RulesFile,
  SlateLine,
  TrendingFile,
  err,
  ok,
  type ArtifactKind,
  type Result,
} from '@recsys/shared'
import type { z } from 'zod'
import type { GateFailure } from './gate-failure'

/** An artifact's bytes, parsed by its kind's schema (the first gate). */
export type ParsedArtifact =
  | { kind: 'catalog'; file: CatalogFile }
  | { kind: 'denylist'; file: DenylistFile }
  | { kind: 'rules'; file: RulesFile }
  | { kind: 'fallback'; file: FallbackFile }
  | { kind: 'slates'; lines: SlateLine[] }
  | { kind: 'neighbors'; file: NeighborsFile }
  | { kind: 'trending'; file: TrendingFile }
  | { kind: 'consumed'; file: ConsumedFile }
  | { kind: 'model' | 'edge_model'; bytes: Uint8Array; metadata: ModelMetadata }
  | { kind: 'index'; bytes: Uint8Array; metadata: IndexMetadata; header: IndexBundleHeader }

/** How many offending values a failure lists (the count says how many there were). */
export const MAX_OFFENDING = 20

const JSON_SCHEMAS = {
  catalog: CatalogFile,
  denylist: DenylistFile,
  rules: RulesFile,
  fallback: FallbackFile,
  neighbors: NeighborsFile,
  trending: TrendingFile,
  consumed: ConsumedFile,
} as const

const describe = (issues: z.core.$ZodIssue[], where = '') =>
  issues.map((i) => `${where}${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)

/**
 * Parses an artifact by kind: JSON kinds against their file schema, `slates` line by line (NDJSON), binary kinds
 * by their metadata. A failure is the `schema` gate, naming the artifact and the first offending paths.
 */
export function parseArtifact(
  label: string,
  kind: ArtifactKind,
  bytes: Uint8Array,
  metadata: unknown,
): Result<ParsedArtifact, GateFailure> {
  const fail = (message: string, offending: string[]) =>
    err<GateFailure>({
      artifact: label,
      check: 'schema',
      message,
      offending: offending.slice(0, MAX_OFFENDING),
      count: offending.length,
    })
  if (BINARY_KINDS.has(kind)) {
    if (bytes.byteLength === 0) return fail(`${kind} artifact is empty`, ['(0 bytes)'])
    const schema = kind === 'index' ? IndexMetadata : ModelMetadata
    const m = schema.safeParse(metadata ?? {})
    if (!m.success)
      return fail(
        `${kind} metadata does not match its schema`,
        describe(m.error.issues, 'metadata.'),
      )
    if (kind === 'index') return parseIndex(fail, bytes, m.data as IndexMetadata)
    return ok({ kind, bytes, metadata: m.data } as ParsedArtifact)
  }
  if (kind === 'slates') {
    const lines: SlateLine[] = []
    const bad: string[] = []
    let n = 0
    // Line by line from the bytes: a slates file may be larger than the longest string V8 can hold (~512 MiB).
    const decoder = new TextDecoder('utf-8', { fatal: false })
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start)
      if (end < 0) end = bytes.length
      const raw = decoder.decode(bytes.subarray(start, end))
      start = end + 1
      n++
      if (raw.trim() === '') continue
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch (e) {
        bad.push(`line ${n}: not JSON (${(e as Error).message})`)
        continue
      }
      const r = SlateLine.safeParse(value)
      if (r.success) lines.push(r.data)
      else bad.push(...describe(r.error.issues, `line ${n}: `))
    }
    if (bad.length) return fail('slates file has lines that do not match SlateLine', bad)
    if (lines.length === 0) return fail('slates file has no slates', ['(no lines)'])
    return ok({ kind, lines })
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return fail(`${kind} artifact is not JSON`, [(e as Error).message])
  }
  const r = JSON_SCHEMAS[kind as keyof typeof JSON_SCHEMAS].safeParse(value)
  if (!r.success)
    return fail(`${kind} artifact does not match its schema`, describe(r.error.issues))
  return ok({ kind, file: r.data } as ParsedArtifact)
}

/** An `index` is an index bundle (shared `index-bundle.ts`) whose header agrees with the declared metadata. */
function parseIndex(
  fail: (message: string, offending: string[]) => Result<ParsedArtifact, GateFailure>,
  bytes: Uint8Array,
  metadata: IndexMetadata,
): Result<ParsedArtifact, GateFailure> {
  let header: IndexBundleHeader
  try {
    header = decodeIndexBundle(bytes).header
  } catch (e) {
    return fail(`index bytes are not an index bundle: ${(e as Error).message}`, ['(bytes)'])
  }
  const wrong: string[] = []
  if (header.space !== metadata.space)
    wrong.push(`space: metadata ${metadata.space}, bundle ${header.space}`)
  if (header.dims !== metadata.dims)
    wrong.push(`dims: metadata ${metadata.dims}, bundle ${header.dims}`)
  if (header.items.length !== metadata.count)
    wrong.push(`count: metadata ${metadata.count}, bundle ${header.items.length} items`)
  if (wrong.length) return fail('index metadata disagrees with the bundle', wrong)
  return ok({ kind: 'index', bytes, metadata, header })
}
