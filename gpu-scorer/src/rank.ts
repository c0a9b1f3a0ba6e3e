import {
  calibrate,
  err,
  ok,
  type RankedItem,
  type RankRequest,
  type RankResponse,
  type RankSource,
  type Result,
} from '@recsys/shared'
import type { LoadedRelease } from './artifacts/loaded-release'
import { DeadlineExceededError } from './batching/micro-batcher'
import { assembleFeatures } from './features/assemble'
import type { ScorerMetrics } from './metrics/scorer-metrics'
import { planDeadline, shrinkCandidates } from './ranking/deadline'
import { topKPinned } from './ranking/top-k'
import { prefilter } from './retrieval/prefilter'
import { retrieve, type DisabledReason } from './retrieval/retrieve'
import { subjectContext } from './retrieval/subject'

/** Time kept back from the inference budget for the response. */
const RESPONSE_MARGIN_MS = 1

/** Feature assembly's cost per row (exponentially weighted), part of the deadline estimate. */
const featureCost = { msPerRow: 0, samples: 0 }
function learnFeatureCost(rows: number, ms: number) {
  if (rows < 50) return
  const a = featureCost.samples++ === 0 ? 1 : 0.1
  featureCost.msPerRow = (1 - a) * featureCost.msPerRow + (a * ms) / rows
}

export interface RankContext {
  /** `performance.now()` when the request arrived; the deadline counts from here. */
  startedAt: number
  deadlineMs: number
  /** Why a source is off (the request's `disabled_sources`, kill switches `source.<id>`). */
  disabled: DisabledReason
  metrics: ScorerMetrics
  /** Wall clock for time features (item age). */
  now?: number
}

/**
 * The scorer's funnel, in order (docs/scorer.md#funnel). Everything reads the one release the request acquired.
 *   1. retrieval   sources in parallel, each up to its quota, merged with provenance
 *   2. prefilter   shared eligibility: set lookups that need no features, so nothing ineligible costs model time
 *   3. deadline    the batcher's estimate decides: all candidates, a shrunk set, or shed (503)
 *   4. features    shared `rankerFeatures` only (the trainer's code)
 *   5. inference   micro-batched across concurrent requests, one `session.run` per batch
 *   6. guard       calibration, then NaN / out-of-range → the floor (counted)
 *   7. top-K       by score, ties by retrieval order, with provenance and reason; on an item-anchored request the
 *                  anchor's neighbours (source item2item) first, then the rest
 * Fails closed on the deadline (the edge falls through its ladder); sources fail open.
 */
export async function rank(
  r: LoadedRelease,
  req: RankRequest,
  ctx: RankContext,
): Promise<Result<RankResponse, string>> {
  const clock = () => performance.now()
  const { metrics, startedAt } = ctx
  const labels = { tenant: r.tenant }

  const subject = subjectContext(r, req)
  const retrieval = await retrieve({ release: r, request: req, subject }, ctx.disabled)
  let candidates = prefilter(
    r,
    req,
    retrieval.candidates,
    retrieval.report,
    ctx.now ?? Date.now(),
    subject.consumed,
  ).kept
  const tRetrieve = clock()

  const budget = ctx.deadlineMs - (tRetrieve - startedAt) - RESPONSE_MARGIN_MS
  const plan = planDeadline(
    candidates.length,
    req.limit,
    budget,
    (n) => r.model.estimateMs(n) + n * featureCost.msPerRow,
  )
  if (plan.kind === 'shed') {
    metrics.shed.inc(labels)
    return err(
      `deadline of ${ctx.deadlineMs} ms cannot be met: ~${plan.estimateMs.toFixed(1)} ms for the ` +
        `${plan.minRows} candidates left after shrinking, ${Math.max(0, budget).toFixed(1)} ms left`,
    )
  }
  const shrunk = plan.kind === 'shrink'
  if (shrunk) {
    metrics.shrunk.inc(labels)
    candidates = shrinkCandidates(candidates, plan.rows)
    for (const s of Object.values(retrieval.report)) s.kept = 0
    for (const c of candidates) retrieval.report[c.source]!.kept++
  }

  const features = assembleFeatures(r, req.surface, subject, candidates, ctx.now ?? Date.now())
  const tFeatures = clock()
  learnFeatureCost(candidates.length, tFeatures - tRetrieve)

  let raw: number[]
  try {
    // No second admission check: nothing was queued since the plan (no await in between), and the plan
    // already counted feature assembly.
    raw = await r.model.score(features, candidates.length)
  } catch (e) {
    if (!(e instanceof DeadlineExceededError)) throw e
    metrics.shed.inc(labels)
    return err(`deadline of ${ctx.deadlineMs} ms cannot be met: ${e.message}`)
  }
  const tInference = clock()

  // Shared with the edge model: NaN or out of `score_range` (raw) → the floor, counted by reason.
  const cal = calibrate(raw, r.model.model.metadata)
  const scores = Float64Array.from(cal.scores)
  const floored = cal.floored
  if (cal.nan) metrics.floored.inc({ tenant: r.tenant, reason: 'nan' }, cal.nan)
  if (cal.outOfRange)
    metrics.floored.inc({ tenant: r.tenant, reason: 'out_of_range' }, cal.outOfRange)
  metrics.scored.inc(labels, candidates.length)

  const nearAnchor = new Set(subject.anchorNeighbors)
  const anchorNeighbour = (i: number) =>
    candidates[i]!.source === 'item2item' && nearAnchor.has(candidates[i]!.item_id)
  const items: RankedItem[] = topKPinned(scores, req.limit, anchorNeighbour).map((i) => {
    const c = candidates[i]!
    return {
      item_id: c.item_id,
      score: scores[i]!,
      source: c.source,
      sources: c.sources,
      reason: c.reason,
    }
  })
  const tEnd = clock()
  const timings = {
    retrieve: tRetrieve - startedAt,
    features: tFeatures - tRetrieve,
    inference: tInference - tFeatures,
    total: tEnd - startedAt,
  }
  for (const [stage, ms] of Object.entries(timings)) metrics.stageMs.observe({ stage }, ms)
  return ok({
    tenant: r.tenant,
    release: r.release,
    model_version: r.model_version,
    index_version: r.index_version,
    items,
    sources: retrieval.report as Partial<Record<RankSource, (typeof retrieval.report)[RankSource]>>,
    scored: candidates.length,
    shrunk,
    floored,
    timings_ms: Object.fromEntries(
      Object.entries(timings).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
    ),
  })
}
