import type {
  Assignment,
  DeletionRecord,
  EventRecord,
  PrivacyMode,
  RemovedCandidate,
  Tier,
  TierAttempt,
} from '@recsys/shared'
import type { FlooredScores } from '../../funnel/tiers/context'

/** A decision record: what one recommendation request served and why (docs/edge.md#decision-log). */
export interface DecisionRecord {
  kind: 'decision'
  tenant: string
  at: string
  request_id: string
  slate_id: string
  surface: string
  subject: string
  tier: Tier
  degraded: boolean
  degraded_reasons: string[]
  release: string
  model_version: string
  rules_version: string
  experiments: Assignment[]
  privacy_mode: PrivacyMode
  kill_switches: string[]
  tiers: TierAttempt[]
  items: Array<{
    item_id: string
    position: number
    tier: Tier
    source: string
    score?: number
    rules: string[]
  }>
  removed: RemovedCandidate[]
  /** Removals beyond the cap are counted, not listed. */
  removed_truncated: number
  /** Eligible candidates that fell below the cut (counted, not listed). */
  below_cut: number
  /** The session context the request had (its session items, then the user's recent items), when personalized. */
  session_items?: string[]
  /** Model scores replaced by the floor (NaN, out of range), by model; absent when none were. */
  floored?: FlooredScores
}

/** A record of the log: decisions, accepted events, user deletions (contracts of the last two in shared/). */
export type LogRecord = DecisionRecord | EventRecord | DeletionRecord

/**
 * Decision records of one tenant and UTC hour, serialized once, where they are made: NDJSON lines exactly as the
 * consumer writes them to R2, so the queue carries one string and the consumer neither parses nor re-serializes.
 */
export interface DecisionLines {
  tenant: string
  /** `at` of the first record (the hour names the R2 object). */
  at: string
  /** Number of lines. */
  n: number
  /** `n` JSON records, `\n`-separated, no trailing newline. */
  lines: string
}

/**
 * One queue message carries many records (fewer queue operations; a message may hold up to 128 KB): records as
 * objects (events, deletions; decisions from earlier versions), or pre-serialized decisions.
 */
export interface LogMessage {
  records?: LogRecord[]
  decisions?: DecisionLines
}
