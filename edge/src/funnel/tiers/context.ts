import {
  ok,
  type Candidate,
  type EffectiveSwitches,
  type Manifest,
  type PrivacyMode,
  type RequestContext,
  type Result,
  type Slate,
  type SurfaceConfig,
  type Tier,
  type UserState,
} from '@recsys/shared'
import type { CatalogView } from '../../adapters/edge-store/catalog-view'
import type { EdgeStore } from '../../adapters/edge-store/interface'
import type { EdgeModelSource } from '../../adapters/edge-model/store'
import type { ScorerService } from '../../middleware/init'

/** What a tier may read to produce its candidates. */
export interface TierContext {
  store: EdgeStore
  tenant: string
  manifest: Manifest
  surface: SurfaceConfig
  /** Slate family chosen by experiments (`base` when none). */
  variant: string
  /** Subject key in state and slate keys (`u.<id>` or `a.<id>`). */
  subject: string
  user: UserState | undefined
  privacy: PrivacyMode
  context: RequestContext
  catalog: CatalogView
  switches: EffectiveSwitches
  /** Items asked for. */
  limit: number
  /** ms since epoch, the request's clock for features and eligibility. */
  now: number
  /** `performance.now()` when the request arrived: the surface's deadline counts from here. */
  started: number
  /** Real-time tombstones, when readable (the scorer is told to exclude them). */
  tombstones: ReadonlySet<string> | undefined
  /** Whether the rules exclude items the user has seen (the scorer is told to exclude them too). */
  excludeSeen: boolean
  /** Whether the rules exclude the user's history (`exclude_consumed`; the scorer is told the rule). */
  excludeConsumed: boolean
  scorer: ScorerService | undefined
  artifacts: EdgeModelSource
  /** Model scores replaced by the floor while serving this request, by model (the decision record carries them). */
  floored: FlooredScores
}

/**
 * Scores replaced by the floor (docs/architecture.md#fail-open-fail-closed: NaN or out of range; the NaN rate is a
 * metric).
 */
export interface FlooredScores {
  /** Items the regional scorer floored (its `floored` count). */
  scorer?: number
  /** Outputs of the edge model that were NaN or out of its range. */
  edge_model?: { nan: number; out_of_range: number }
}

/** A tier of the ladder: whether it applies to this request, and how to load it. */
export interface TierSource {
  tier: Tier
  /** Why the tier does not apply to this request, or undefined when it does. */
  skip(ctx: TierContext): string | undefined
  /**
   * Why the tier applies but cannot be used now (the scorer's circuit is open), or undefined: it is skipped at once,
   * and the response is degraded.
   */
  unavailable?(ctx: TierContext): string | undefined
  load(ctx: TierContext): Promise<Result<Candidate[], string>>
}

/** Candidates from a precomputed list, keeping the list's order and provenance. */
export function fromSlate(
  slate: Slate | null,
  tier: Tier,
  needs: PrivacyMode,
  source: string,
  reason: string,
): Result<Candidate[], string> {
  return ok(
    (slate?.items ?? []).map((e) => ({
      item_id: e.item_id,
      tier,
      needs,
      source: e.source ?? source,
      reason: e.reason ?? reason,
      score: e.score,
    })),
  )
}
