import type { PrivacyMode, RankRequest, RankSource } from '@recsys/shared'
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
