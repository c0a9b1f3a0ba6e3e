import { z } from 'zod'
import { Id } from './common'

/**
 * The scorer's API (docs/scorer.md#post-v1rank): `POST /v1/rank`, called by the edge with a service token
 * (`authorization: Bearer <SCORER_TOKEN>`) and the time it may take (`x-deadline-ms`).
 */

/** Candidate sources of the scorer, each with a quota; kill switch `source.<id>` removes one. */
export const RANK_SOURCES = ['ann', 'item2item', 'trending', 'editorial'] as const
export const RankSource = z.enum(RANK_SOURCES)
export type RankSource = z.infer<typeof RankSource>

/** The header that carries the caller's remaining time budget, in ms. */
export const DEADLINE_HEADER = 'x-deadline-ms'
/**
 * On a scorer error: `tenant` when the failure is this tenant's or this request's alone (unknown tenant or surface,
 * no release loaded for the tenant), so the edge does not count it against the scorer's health.
 */
export const SCORER_SCOPE_HEADER = 'x-scorer-scope'

export const RankRequest = z
  .object({
    tenant: Id,
    surface: Id,
    /** Subject key (`u.<id>` or `a.<id>`): the user embedding is looked up for `u.` subjects. */
    subject: z.string().min(3).max(260),
    /** Items the user interacted with recently (user state), newest first. */
    recent_items: z.array(Id).max(200).default([]),
    /** Items of the current session (the request's `context.session_item_ids`), newest first. */
    session_items: z.array(Id).max(50).default([]),
    /** The anchor item on an item-anchored surface. */
    anchor_item: Id.optional(),
    /** Items the caller already knows it will not show (suppressed, seen): dropped before scoring. */
    exclude: z.array(Id).max(5000).default([]),
    /**
     * The surface's `exclude_consumed` rule, as the caller resolved it: the user's history (the release's consumed
     * items of the subject, and `recent_items`) is dropped before scoring.
     */
    exclude_consumed: z.boolean().default(true),
    /** ISO 3166-1 alpha-2 country of the request, for the region pre-filter. */
    country: z.string().length(2).optional(),
    /** How many ranked items to return. */
    limit: z.number().int().min(1).max(500).default(100),
    /** Candidate budget across sources, before de-duplication; the scorer may shrink it under load. */
    candidates: z.number().int().min(1).max(5000).default(1000),
    /** Per-source quota overrides (share of `candidates` is the default). */
    quotas: z.partialRecord(RankSource, z.number().int().min(0).max(5000)).optional(),
    /** Sources the caller turns off for this request (the edge passes engaged `source.<id>` switches). */
    disabled_sources: z.array(RankSource).default([]),
  })
  .meta({ id: 'RankRequest' })
export type RankRequest = z.infer<typeof RankRequest>
export type RankRequestInput = z.input<typeof RankRequest>

export const RankedItem = z.object({
  item_id: Id,
  /** Calibrated model score; the floor when the model's output was NaN or out of range. */
  score: z.number(),
  /** The source that retrieved it first (highest priority); `sources` lists all that did. */
  source: RankSource,
  sources: z.array(RankSource).min(1),
  reason: z.string(),
})
export type RankedItem = z.infer<typeof RankedItem>

export const SourceReport = z.object({
  quota: z.number().int().min(0),
  retrieved: z.number().int().min(0),
  /** Unique after de-duplication with higher-priority sources and the eligibility pre-filter. */
  kept: z.number().int().min(0),
  /** Why the source contributed nothing (`kill switch`, `no user embedding`…), when it did not run. */
  skipped: z.string().optional(),
})
export type SourceReport = z.infer<typeof SourceReport>

export const RankResponse = z
  .object({
    tenant: Id,
    /** The release whose artifacts ranked this request (all of them: a response never mixes releases). */
    release: z.string(),
    model_version: z.string(),
    index_version: z.string().nullable(),
    items: z.array(RankedItem),
    sources: z.partialRecord(RankSource, SourceReport),
    /** Candidates scored by the model. */
    scored: z.number().int().min(0),
    /** True when the candidate set was shrunk to meet the deadline. */
    shrunk: z.boolean(),
    /** Scores replaced by the floor (NaN or out of range). */
    floored: z.number().int().min(0),
    timings_ms: z.record(z.string(), z.number()),
  })
  .meta({ id: 'RankResponse' })
export type RankResponse = z.infer<typeof RankResponse>
