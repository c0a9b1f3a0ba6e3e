import {
  mintTrackingTokens,
  type Assignment,
  type EffectiveSwitches,
  type Manifest,
  type PrivacyMode,
  type RecommendationResponse,
  type Tier,
} from '@recsys/shared'
import type { DecisionRecord } from '../adapters/decision-log/message'
import type { FunnelOutput } from './pipeline'
import type { FlooredScores } from './tiers/context'

/** Everything known about a served request once the funnel has run. */
export interface Served {
  tenant: string
  requestId: string
  slateId: string
  subject: string
  surface: string
  manifest: Manifest
  rulesVersion: string
  assignments: Assignment[]
  privacy: PrivacyMode
  degraded: string[]
  switches: EffectiveSwitches
  out: FunnelOutput
  debug: boolean
  /** Session context (funnel/session.ts). */
  session?: string[]
  /** Model scores floored while serving (NaN, out of range). */
  floored?: FlooredScores
}

/** Removed candidates listed in a decision record; beyond this they are only counted. */
const REMOVED_IN_LOG = 200

/** The API response: positions 1..n, one tracking token per item, raw scores only in debug. */
export async function buildResponse(s: Served, secret: string): Promise<RecommendationResponse> {
  const variants = s.assignments.map((a) => `${a.id}=${a.variant}`).join(',')
  const ts = Math.floor(Date.now() / 1000)
  const tokens = await mintTrackingTokens(
    secret,
    s.out.items.map((c, i) => ({
      t: s.tenant,
      u: s.subject,
      s: s.slateId,
      i: c.item_id,
      p: i + 1,
      tier: c.tier,
      r: s.manifest.release,
      ...(variants && { v: variants }),
      ts,
    })),
  )
  const items = s.out.items.map((c, i) => ({
    item_id: c.item_id,
    position: i + 1,
    tracking_token: tokens[i]!,
    reason: c.reason,
    source: c.source,
    ...(c.sponsored && { sponsored: true }),
  }))
  const response: RecommendationResponse = {
    request_id: s.requestId,
    slate_id: s.slateId,
    items,
    metadata: {
      surface: s.surface,
      tier: s.out.ladder.tier ?? lastTried(s.out.ladder.tried),
      degraded: s.degraded.length > 0,
      release: s.manifest.release,
      model_version: s.manifest.model_version,
      rules_version: s.rulesVersion,
      experiments: s.assignments,
      privacy_mode: s.privacy,
      latency_ms: 0,
    },
  }
  if (s.debug) {
    response.debug = {
      tiers_tried: s.out.ladder.tried.map((t) => ({
        tier: t.tier,
        status: t.detail ? `${t.status}: ${t.detail}` : t.status,
        candidates: t.candidates,
      })),
      items: s.out.items.map((c) => ({
        item_id: c.item_id,
        tier: c.tier,
        source: c.source,
        score: c.score ?? null,
        features: {},
        rules: c.rules,
      })),
      removed: s.out.removed,
      session_items: s.session ?? [],
    }
  }
  return response
}

/** With nothing served: the last tier the ladder loaded or failed on, else its end. */
function lastTried(tried: Served['out']['ladder']['tried']): Tier {
  for (let i = tried.length - 1; i >= 0; i--)
    if (tried[i]!.status !== 'skipped') return tried[i]!.tier
  return 'emergency'
}

/** The decision record sent to the log queue. */
export function buildDecision(s: Served, r: RecommendationResponse): DecisionRecord {
  // Eligible candidates that merely fell below the cut are counted; the rest are listed with their reason.
  const removed = s.out.removed.filter((x) => x.reason !== 'below_cut')
  return {
    kind: 'decision',
    tenant: s.tenant,
    at: new Date().toISOString(),
    request_id: s.requestId,
    slate_id: s.slateId,
    surface: s.surface,
    subject: s.subject,
    tier: r.metadata.tier,
    degraded: r.metadata.degraded,
    degraded_reasons: s.degraded,
    release: s.manifest.release,
    model_version: s.manifest.model_version,
    rules_version: s.rulesVersion,
    experiments: s.assignments,
    privacy_mode: s.privacy,
    kill_switches: s.switches.engaged,
    tiers: s.out.ladder.tried,
    items: s.out.items.map((c, i) => ({
      item_id: c.item_id,
      position: i + 1,
      tier: c.tier,
      source: c.source,
      ...(c.score !== undefined && { score: c.score }),
      rules: c.rules,
    })),
    removed: removed.slice(0, REMOVED_IN_LOG),
    removed_truncated: Math.max(0, removed.length - REMOVED_IN_LOG),
    below_cut: s.out.removed.length - removed.length,
    ...(s.session?.length && { session_items: s.session }),
    ...(s.floored && Object.keys(s.floored).length > 0 && { floored: s.floored }),
  }
}
