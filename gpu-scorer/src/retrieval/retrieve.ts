import {
  anchorReason,
  mostRestrictive,
  type Candidate,
  type PrivacyMode,
  type RankSource,
  type SourceReport,
} from '@recsys/shared'
import type { CandidateSource, SourceInput, SourceOutput } from './candidate-source'
import { sourceQuotas } from './quotas'
import { annSource } from './sources/ann-source'
import { editorialSource } from './sources/editorial-source'
import { item2itemSource } from './sources/item2item-source'
import { trendingSource } from './sources/trending-source'
import { REASONS } from '../ranking/reasons'

/** The sources in priority order: a candidate's `source` is the first of these that found it. */
export const SOURCES: readonly CandidateSource[] = [
  annSource,
  item2itemSource,
  trendingSource,
  editorialSource,
]
/**
 * On an item-anchored request item-to-item comes first: the anchor's neighbours are what the surface is for, so an
 * item the ANN also found is still served as related to the anchor.
 */
export const ANCHORED_SOURCES: readonly CandidateSource[] = [
  item2itemSource,
  annSource,
  trendingSource,
  editorialSource,
]

/** A retrieved candidate with its provenance. */
export interface RetrievedCandidate extends Candidate {
  source: RankSource
  /** Every source that retrieved it, in priority order. */
  sources: RankSource[]
}

export interface Retrieval {
  /** Unique candidates, grouped by their `source` in priority order, each group in its source's order. */
  candidates: RetrievedCandidate[]
  report: Partial<Record<RankSource, SourceReport>>
}

/** Why a source is off for this request (kill switch or the caller), or undefined. */
export type DisabledReason = (s: RankSource) => string | undefined

/**
 * Runs every enabled source in parallel, each up to its quota, and merges them with provenance.
 * `kept` in the report counts the unique candidates each source is the first to bring; the prefilter lowers it.
 */
export async function retrieve(input: SourceInput, disabled: DisabledReason): Promise<Retrieval> {
  const quotas = sourceQuotas(input.request.candidates, input.request.quotas)
  const anchor = input.request.anchor_item
  const sources = anchor === undefined ? SOURCES : ANCHORED_SOURCES
  const nearAnchor = new Set(input.subject.anchorNeighbors)
  const reasonOf = (s: RankSource, id: string) =>
    s === 'item2item' && anchor !== undefined && nearAnchor.has(id)
      ? anchorReason(anchor)
      : REASONS[s]
  const outputs = await Promise.all(
    sources.map(async (s): Promise<SourceOutput> => {
      const off = disabled(s.id)
      if (off) return { skipped: off }
      if (quotas[s.id] === 0) return { items: [] }
      try {
        const out = await s.retrieve(input, quotas[s.id])
        return 'items' in out ? { items: out.items.slice(0, quotas[s.id]) } : out
      } catch (e) {
        // Fail open: the other sources still serve.
        return { skipped: `failed: ${e instanceof Error ? e.message : String(e)}` }
      }
    }),
  )
  const byId = new Map<string, RetrievedCandidate>()
  const candidates: RetrievedCandidate[] = []
  const report: Retrieval['report'] = {}
  sources.forEach((s, k) => {
    const out = outputs[k]!
    const r: SourceReport = { quota: quotas[s.id], retrieved: 0, kept: 0 }
    report[s.id] = r
    if ('skipped' in out) {
      r.skipped = out.skipped
      return
    }
    r.retrieved = out.items.length
    for (const id of out.items) {
      const seen = byId.get(id)
      if (seen) {
        if (!seen.sources.includes(s.id)) {
          seen.sources.push(s.id)
          // Servable under the least restrictive of the modes of the sources that found it.
          if (seen.needs !== s.needs && mostRestrictive(seen.needs, s.needs) === seen.needs)
            seen.needs = s.needs as PrivacyMode
        }
        continue
      }
      const c: RetrievedCandidate = {
        item_id: id,
        tier: 'ranked',
        source: s.id,
        sources: [s.id],
        reason: reasonOf(s.id, id),
        needs: s.needs,
      }
      byId.set(id, c)
      candidates.push(c)
      r.kept++
    }
  })
  return { candidates, report }
}
