import type { RankRequestInput, RankResponse, Result } from '@recsys/shared'

/** The regional scorer as the edge sees it: one call, a validated answer or a short reason why not. */
export interface ScorerClient {
  /** Ranks within `budgetMs` (sent as `x-deadline-ms` and enforced by an abort). */
  rank(req: RankRequestInput, budgetMs: number): Promise<Result<RankResponse, string>>
}
