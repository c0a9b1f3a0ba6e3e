import type { ItemSet, PrivacyMode, RankRequest, RankSource } from '@recsys/shared'
import type { LoadedRelease } from '../artifacts/loaded-release'
import type { SubjectContext } from './subject'

export interface SourceInput {
  release: LoadedRelease
  request: RankRequest
  subject: SubjectContext
}

/** Item ids in the source's own order (best first), at most the quota; or why the source could not run. */
export type SourceOutput = { items: string[] } | { skipped: string }

/** A candidate source (`…Source`): a stable id (logs, metrics, kill switch `source.<id>`) and its retrieval. */
export interface CandidateSource {
  id: RankSource
  /** The least private mode its candidates may be served under (what data produced them). */
  needs: PrivacyMode
  /** Fails open: a source that throws is reported as skipped and the others still serve. */
  retrieve(input: SourceInput, quota: number): Promise<SourceOutput>
}

/**
 * The first `quota` of `ids` that the user has not consumed: a source fills its quota past the history the
 * pre-filter would drop anyway, so a long history does not starve the candidate set.
 */
export function firstFresh(ids: Iterable<string>, consumed: ItemSet, quota: number): string[] {
  const out: string[] = []
  if (quota <= 0) return out
  for (const id of ids) {
    if (consumed.has(id)) continue
    out.push(id)
    if (out.length >= quota) break
  }
  return out
}
