import { z } from 'zod'
import { CatalogFlags, Denylist, RuleBundles, Slate, SlateEntry } from './artifacts'
import { Id, PrivacyMode } from './common'

/**
 * The files operators register as artifacts (docs/architecture.md#artifacts-and-releases), one format per kind. The
 * control plane checks them against these schemas (the first gate), then assembles a release from them. JSON kinds
 * are one UTF-8 JSON document; `slates` is NDJSON (one {@link SlateLine} per line) so a file of a million slates
 * streams; `model`, `edge_model` and `index` are binary, described by their metadata.
 */
export const ARTIFACT_KINDS = [
  'catalog',
  'denylist',
  'rules',
  'fallback',
  'slates',
  'model',
  'edge_model',
  'index',
  'neighbors',
  'trending',
  'consumed',
] as const
export const ArtifactKind = z.enum(ARTIFACT_KINDS)
export type ArtifactKind = z.infer<typeof ArtifactKind>

/** Kinds whose bytes are not JSON: their shape is in the metadata. */
export const BINARY_KINDS: ReadonlySet<ArtifactKind> = new Set(['model', 'edge_model', 'index'])

/** `catalog`: a snapshot of the serving flags of every item. */
export const CatalogFile = z.object({ items: z.record(Id, CatalogFlags) })
export type CatalogFile = z.infer<typeof CatalogFile>

/** `denylist`: items never to be served. */
export const DenylistFile = Denylist
export type DenylistFile = z.infer<typeof DenylistFile>

/** `rules`: rule bundles by id; a surface names the bundle it uses. */
export const RulesFile = RuleBundles
export type RulesFile = z.infer<typeof RulesFile>

/** `fallback`: the non-personalized popular list of each surface (the `global_popular` tier). */
export const FallbackFile = z.object({
  lists: z
    .array(z.object({ surface: Id, variant: Id.optional(), slate: Slate }))
    .min(1, 'a fallback file needs at least one list'),
})
export type FallbackFile = z.infer<typeof FallbackFile>

/** One line of a `slates` file: a per-user slate, an item-anchored slate or a segment list. */
export const SlateLine = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('user'),
    surface: Id,
    variant: Id.optional(),
    user_id: Id,
    slate: Slate,
  }),
  z.object({
    type: z.literal('anchored'),
    surface: Id,
    variant: Id.optional(),
    item_id: Id,
    slate: Slate,
  }),
  z.object({
    type: z.literal('segment'),
    surface: Id,
    variant: Id.optional(),
    mode: PrivacyMode,
    segment: Id,
    slate: Slate,
  }),
])
export type SlateLine = z.infer<typeof SlateLine>

/** `neighbors`: item-to-item lists. */
export const NeighborsFile = z.object({ items: z.record(Id, z.array(SlateEntry)) })
export type NeighborsFile = z.infer<typeof NeighborsFile>

/** `trending`: one time-decayed list. */
export const TrendingFile = Slate
export type TrendingFile = z.infer<typeof TrendingFile>

/** The largest per-user bound a `consumed` artifact may declare. */
export const CONSUMED_PER_USER_MAX = 5000

/**
 * `consumed`: each user's history (the items of their interactions), newest first, at most `max_per_user` items a
 * user. The scorer drops these items before scoring when the surface's rules say `exclude_consumed`.
 * @note Kept a separate artifact with its own schema, so its format can change without touching the others.
 */
export const ConsumedFile = z
  .object({
    /** The producer's bound: a user with a longer history keeps their newest `max_per_user` items. */
    max_per_user: z.number().int().positive().max(CONSUMED_PER_USER_MAX),
    users: z.record(Id, z.array(Id)),
  })
  .superRefine((f, ctx) => {
    for (const [user, items] of Object.entries(f.users))
      if (items.length > f.max_per_user)
        ctx.addIssue({
          code: 'custom',
          path: ['users', user],
          message: `${items.length} items, above max_per_user ${f.max_per_user}`,
        })
  })
export type ConsumedFile = z.infer<typeof ConsumedFile>

/** One named tensor of a model's declared interface. `-1` is a free dimension (the batch). */
export const TensorSpec = z.object({
  name: z.string().min(1),
  type: z.enum(['float32']).default('float32'),
  dims: z.array(z.number().int().min(-1)).min(1),
})
export type TensorSpec = z.infer<typeof TensorSpec>

/**
 * Metadata of a `model` or `edge_model` artifact: the feature schema its ONNX graph must match, and how its raw
 * outputs are calibrated into scores.
 */
export const ModelMetadata = z.object({
  feature_schema: z.object({
    /** Feature names in input column order (shared feature code produces them in this order). */
    features: z.array(z.string().min(1)).min(1),
    inputs: z.array(TensorSpec).min(1),
    outputs: z.array(TensorSpec).min(1),
  }),
  calibration: z
    .object({ kind: z.enum(['none', 'sigmoid', 'platt']), a: z.number(), b: z.number() })
    .default({ kind: 'none', a: 1, b: 0 }),
  /** Scores outside [min, max] count as out of range. */
  score_range: z.tuple([z.number(), z.number()]).default([-1e6, 1e6]),
})
export type ModelMetadata = z.infer<typeof ModelMetadata>

/**
 * Metadata of an `index` artifact. Its bytes are an index bundle (`index-bundle.ts`: HNSW + item and user
 * embeddings, item ids in label order); the schema gate checks that the bundle agrees with this.
 */
export const IndexMetadata = z.object({
  space: z.enum(['l2', 'ip', 'cosine']),
  dims: z.number().int().positive(),
  /** Number of indexed items. */
  count: z.number().int().min(0),
})
export type IndexMetadata = z.infer<typeof IndexMetadata>
