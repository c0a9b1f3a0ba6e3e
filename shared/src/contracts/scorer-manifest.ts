import { z } from 'zod'
import { ArtifactKind } from './artifact-files'
import { SurfaceConfig } from './artifacts'
import { Id } from './common'

/**
 * The scorer artifact store (docs/architecture.md#stores), as the control plane writes it and the scorer reads it:
 *
 *     <root>/<tenant>/blobs/<sha256>           artifact bytes, by content
 *     <root>/<tenant>/releases/<release>.json  a {@link ScorerReleaseManifest}
 *     <root>/<tenant>/current.json             a {@link ScorerPointer}, written last: flipping it publishes
 */
export const ScorerFile = z.object({
  kind: ArtifactKind,
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Path of the blob relative to the tenant's folder. */
  path: z.string(),
  /** The version's registry metadata (a model's feature schema and calibration, an index's space and dims). */
  metadata: z.record(z.string(), z.unknown()).default({}),
})
export type ScorerFile = z.infer<typeof ScorerFile>

export const ScorerReleaseManifest = z.object({
  tenant: Id,
  release: Id,
  model_version: z.string().default('none'),
  /** The release's denylist with folded tombstones: the scorer's pre-filter never retrieves these. */
  denylist: z.array(Id).default([]),
  surfaces: z.array(SurfaceConfig).default([]),
  files: z.array(ScorerFile),
})
export type ScorerReleaseManifest = z.infer<typeof ScorerReleaseManifest>

export const ScorerPointer = z.object({ release: Id, updated_at: z.string() })
export type ScorerPointer = z.infer<typeof ScorerPointer>
