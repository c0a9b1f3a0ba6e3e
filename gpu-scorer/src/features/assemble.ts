import {
  rankerFeatures,
  type CandidateSignals,
  type ItemSignals,
  type SubjectSignals,
} from '@recsys/shared'
import type { LoadedRelease } from '../artifacts/loaded-release'
import type { RetrievedCandidate } from '../retrieval/retrieve'
import type { SubjectContext } from '../retrieval/subject'

const NO_EVIDENCE = { max: 0, hits: 0 }

/** What the release knows about an item, independent of the request. */
export function itemSignals(r: LoadedRelease, surface: string, itemId: string): ItemSignals {
  const flags = r.catalog.get(itemId)
  return {
    vector: r.index?.itemVector(itemId),
    categories: flags?.categories ?? [],
    published_at: flags?.published_at,
    trending: r.trendingSignal.get(itemId) ?? 0,
    popularity: r.popularity.get(surface)?.get(itemId) ?? 0,
  }
}

/**
 * The model's input rows, built ONLY through shared `rankerFeatures` (the trainer's code: parity by construction).
 * Returns row-major `[candidates × RANKER_FEATURE_COUNT]`.
 */
export function assembleFeatures(
  r: LoadedRelease,
  surface: string,
  subject: SubjectContext,
  candidates: readonly RetrievedCandidate[],
  now: number,
): Float32Array {
  const s: SubjectSignals = {
    vector: subject.vector,
    sessionVectors: subject.sessionVectors,
    historyCategories: subject.historyCategories,
  }
  const cs: CandidateSignals[] = candidates.map((c) => {
    const e = subject.i2i.get(c.item_id) ?? NO_EVIDENCE
    return {
      item: itemSignals(r, surface, c.item_id),
      sources: new Set(c.sources),
      i2iMax: e.max,
      i2iHits: e.hits,
    }
  })
  return rankerFeatures(s, cs, now)
}
