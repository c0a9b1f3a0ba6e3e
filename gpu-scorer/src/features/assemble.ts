import {
  RANK_SOURCES,
  rankerFeatures,
  type CandidateSignals,
  type RankSource,
  type SubjectSignals,
} from '@recsys/shared'
import type { LoadedRelease } from '../artifacts/loaded-release'
import type { RetrievedCandidate } from '../retrieval/retrieve'
import type { SubjectContext } from '../retrieval/subject'

const NO_EVIDENCE = { max: 0, hits: 0 }

const SOURCE_BIT = Object.fromEntries(RANK_SOURCES.map((s, i) => [s, 1 << i])) as Record<
  RankSource,
  number
>
/** One read-only set per combination of sources, shared by every candidate with that combination. */
const SOURCE_SETS: ReadonlyArray<ReadonlySet<RankSource>> = Array.from(
  { length: 1 << RANK_SOURCES.length },
  (_, mask) => new Set(RANK_SOURCES.filter((_, i) => mask & (1 << i))),
)

/** The set of a candidate's sources (a shared instance: read-only). */
export function sourceSet(sources: readonly RankSource[]): ReadonlySet<RankSource> {
  let mask = 0
  for (const s of sources) mask |= SOURCE_BIT[s]
  return SOURCE_SETS[mask]!
}

/**
 * The model's input rows, built ONLY through shared `rankerFeatures` (the trainer's code: parity by construction).
 * Returns row-major `[candidates × RANKER_FEATURE_COUNT]`. Item signals come from the release's memo.
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
  const item = r.signals.forSurface(surface)
  const cs: CandidateSignals[] = new Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    const e = subject.i2i.get(c.item_id) ?? NO_EVIDENCE
    cs[i] = {
      item: item(c.item_id),
      sources: sourceSet(c.sources),
      i2iMax: e.max,
      i2iHits: e.hits,
    }
  }
  return rankerFeatures(s, cs, now)
}
