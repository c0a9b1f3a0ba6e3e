import type { RankRequestInput, RankResponse, Result } from '@recsys/shared'

/** Why a call gave no usable answer. */
export interface ScorerFailure {
  /** A short reason (timeout, status, malformed JSON…). */
  message: string
  /**
   * Whether it says the scorer is unhealthy (timeouts, connection errors, 5xx, garbage), which the circuit breaker
   * counts; not for answers about this tenant or request alone (400, 404, or `SCORER_SCOPE_HEADER: tenant`).
   */
  scorerFault: boolean
}

/** The regional scorer as the edge sees it: one call, a validated answer or a short reason why not. */
export interface ScorerClient {
  /** Ranks within `budgetMs` (sent as `x-deadline-ms` and enforced by an abort). */
  rank(req: RankRequestInput, budgetMs: number): Promise<Result<RankResponse, ScorerFailure>>
}
