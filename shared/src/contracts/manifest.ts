import { z } from 'zod'
import { Id } from './common'
import { ModelMetadata } from './artifact-files'
import { TenantConfig } from './artifacts'

export const ExperimentVariant = z.object({
  id: Id,
  /** Share of units in this variant; weights of one experiment are normalised. */
  weight: z.number().positive(),
  /** Overrides applied to the request: another rule bundle, or another precomputed slate family. */
  overrides: z.object({ rules: z.string().optional(), slate_variant: Id.optional() }).default({}),
})

export const Experiment = z.object({
  id: Id,
  salt: z.string().min(1),
  /** Surfaces this experiment applies to; all when absent. */
  surfaces: z.array(Id).optional(),
  variants: z.array(ExperimentVariant).min(1),
})
export type Experiment = z.infer<typeof Experiment>

/** The hex SHA-256 of some bytes. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256')

/**
 * The edge model of a release: an object of the artifact bucket (R2) named by its content, and the feature schema
 * and calibration it was checked against.
 * @note The object is written before the manifest that names it, and never rewritten: `sha256` and `size_bytes`
 * let a reader check what it fetched.
 */
export const EdgeModelRef = z.object({
  /** Its key in the artifact bucket: `r2Keys.blob(tenant, sha256)`. */
  key: z.string().min(1),
  sha256: Sha256Hex,
  size_bytes: z.number().int().positive(),
  metadata: ModelMetadata,
})
export type EdgeModelRef = z.infer<typeof EdgeModelRef>

/**
 * The release manifest: a small, immutable document the edge reads to find everything else.
 * @note Every key it names is versioned by `release`, so a reader sees one release or another, never a mix.
 */
export const Manifest = z
  .object({
    schema: z.literal(1),
    tenant: Id,
    release: Id,
    created_at: z.string(),
    model_version: z.string(),
    rules_version: z.string(),
    config: TenantConfig,
    /** Number of catalog shards written for this release. */
    catalog_shards: z.number().int().positive(),
    /** Number of user-slate pages per surface and variant (0 when the release has no user slates). */
    user_slate_pages: z.number().int().min(0).default(0),
    /** Which optional artifacts this release carries. */
    has: z.object({
      user_slates: z.boolean(),
      anchored_slates: z.boolean(),
      segments: z.boolean(),
      /**
       * A ranker model the regional scorer serves (the `ranked` tier). False where the pipeline's ranker lost to a
       * single model on the evaluation, so that model's precomputed slates serve instead. Manifests written before
       * this field read as true (the edge asked the scorer for every release).
       */
      ranker: z.boolean().default(true),
    }),
    experiments: z.array(Experiment).default([]),
    /** The small ONNX model the edge may rescore with; absent when the release has none. */
    edge_model: EdgeModelRef.optional(),
  })
  .meta({ id: 'Manifest' })
export type Manifest = z.infer<typeof Manifest>

/** The per-tenant pointer: flipping it publishes a release. */
export const ManifestPointer = z.object({ release: Id, updated_at: z.string() })
export type ManifestPointer = z.infer<typeof ManifestPointer>
