import { and, eq } from 'drizzle-orm'
import { z } from 'zod'
import { writeAudit, type Actor } from '../audit/write'
import type { Database } from '../db/client'
import { artifactVersions, artifacts, releaseArtifacts, releasePointers } from '../db/schema/index'
import type { GateFailure } from '../registry/gate-failure'
import type { EvaluationReport } from '@recsys/trainer/eval/report'

/** A publish is refused when the challenger's NDCG@10 is more than this share below the live release's. */
export const MAX_NDCG_DROP = 0.02

/**
 * What a release records about its served model's offline evaluation: the `evaluation` key of its `model`
 * artifact's metadata.
 * @note Deterministic (no times, no durations): it is part of the model version's content hash, so the same data
 * gives the same version.
 */
export const RecordedEvaluation = z.object({
  model: z.string(),
  ndcg_at_10: z.number(),
  recall_at_10: z.number(),
  recall_at_20: z.number(),
  map_at_10: z.number(),
  coverage_at_10: z.number(),
  baseline_ndcg_at_10: z.number().nullable(),
  dataset: z.string(),
  split: z.string(),
  users_evaluated: z.number().int(),
})
export type RecordedEvaluation = z.infer<typeof RecordedEvaluation>

/** The served model's figures of a report, as the release records them. */
export function recordEvaluation(r: EvaluationReport): RecordedEvaluation {
  const m = r.models[r.served_model]!
  return {
    model: r.served_model,
    ndcg_at_10: m.ndcg_at_10,
    recall_at_10: m.recall_at_10,
    recall_at_20: m.recall_at_20,
    map_at_10: m.map_at_10,
    coverage_at_10: m.coverage_at_10,
    baseline_ndcg_at_10: r.models[r.baseline]?.ndcg_at_10 ?? null,
    dataset: r.dataset.name,
    split: r.split.description,
    users_evaluated: r.split.users_evaluated,
  }
}

/** The live release of a tenant and what it recorded (null: it recorded no evaluation). */
export interface Champion {
  release: string
  evaluation: RecordedEvaluation | null
}

/**
 * How a publish fares against the live release. Allowed: `first_release` (nothing live), `not_recorded` (the live
 * release recorded no evaluation), `not_comparable` (another dataset or split), `passed`; `refused` when the
 * challenger is more than {@link MAX_NDCG_DROP} below; `forced` when it would be refused but the operator forced it.
 */
export type ChampionVerdict =
  'first_release' | 'not_recorded' | 'not_comparable' | 'passed' | 'refused' | 'forced'

export interface ChampionDecision {
  allowed: boolean
  verdict: ChampionVerdict
  challenger: Pick<RecordedEvaluation, 'model' | 'ndcg_at_10' | 'dataset' | 'split'>
  champion:
    | (Partial<Pick<RecordedEvaluation, 'model' | 'ndcg_at_10' | 'dataset' | 'split'>> & {
        release: string
      })
    | null
  max_drop: number
  /** The lowest NDCG@10 that passes: champion × (1 − max_drop); null when nothing is compared. */
  floor: number | null
  /** challenger / champion − 1; null when nothing is compared or the champion scored 0. */
  change: number | null
  /** One sentence for people: the decision and both numbers. */
  note: string
}

const f4 = (v: number) => v.toFixed(4)
const pct = (v: number) => `${(v * 100).toFixed(1)} %`

/**
 * Champion vs challenger on NDCG@10 of the served model (pure). Only like is compared with like: the same dataset
 * name and split description.
 * @note The floor comparison allows 1e-9 of rounding, so a drop of exactly `maxDrop` passes ("more than" refuses).
 */
export function decide(
  challenger: RecordedEvaluation,
  champion: Champion | null,
  { force = false, maxDrop = MAX_NDCG_DROP }: { force?: boolean; maxDrop?: number } = {},
): ChampionDecision {
  const mine = {
    model: challenger.model,
    ndcg_at_10: challenger.ndcg_at_10,
    dataset: challenger.dataset,
    split: challenger.split,
  }
  const base = { challenger: mine, max_drop: maxDrop, floor: null, change: null }
  if (!champion)
    return {
      ...base,
      allowed: true,
      verdict: 'first_release',
      champion: null,
      note: `no live release: the first publish is allowed (challenger ${mine.model} NDCG@10 ${f4(mine.ndcg_at_10)})`,
    }
  const live = champion.evaluation
  if (!live)
    return {
      ...base,
      allowed: true,
      verdict: 'not_recorded',
      champion: { release: champion.release },
      note: `the live release ${champion.release} recorded no offline evaluation: allowed without comparison (challenger NDCG@10 ${f4(mine.ndcg_at_10)})`,
    }
  const theirs = {
    release: champion.release,
    model: live.model,
    ndcg_at_10: live.ndcg_at_10,
    dataset: live.dataset,
    split: live.split,
  }
  if (live.dataset !== mine.dataset || live.split !== mine.split)
    return {
      ...base,
      allowed: true,
      verdict: 'not_comparable',
      champion: theirs,
      note: `not compared: the live release ${champion.release} was evaluated on ${live.dataset} (${live.split}), this run on ${mine.dataset} (${mine.split}); allowed`,
    }
  const floor = Math.round(live.ndcg_at_10 * (1 - maxDrop) * 1e6) / 1e6
  const change =
    live.ndcg_at_10 === 0 ? null : Math.round((mine.ndcg_at_10 / live.ndcg_at_10 - 1) * 1e4) / 1e4
  const numbers =
    `challenger ${mine.model} NDCG@10 ${f4(mine.ndcg_at_10)} vs live release ${champion.release} ` +
    `${live.model} ${f4(live.ndcg_at_10)}` +
    (change === null ? '' : ` (${change >= 0 ? '+' : ''}${pct(change)})`) +
    `; the gate refuses more than ${pct(maxDrop)} below (floor ${f4(floor)})`
  const regressed = mine.ndcg_at_10 < live.ndcg_at_10 * (1 - maxDrop) - 1e-9
  const decided = { ...base, champion: theirs, floor, change }
  if (!regressed)
    return { ...decided, allowed: true, verdict: 'passed', note: `passed: ${numbers}` }
  if (force)
    return {
      ...decided,
      allowed: true,
      verdict: 'forced',
      note: `forced past the gate: ${numbers}`,
    }
  return { ...decided, allowed: false, verdict: 'refused', note: `refused: ${numbers}` }
}

/** The error of a refused publish: a message with both numbers and the threshold, and the gate failure. */
export function championRefusal(d: ChampionDecision) {
  return {
    code: 'CHAMPION_REGRESSION',
    message: `CHAMPION_REGRESSION: ${d.note}. Publish anyway with force and a reason (CLI: --force --reason …); the override is audited`,
    details: [
      {
        artifact: 'release',
        check: 'champion_regression',
        message: `NDCG@10 more than ${pct(d.max_drop)} below the live release`,
        offending: [
          `challenger ${d.challenger.model} ${f4(d.challenger.ndcg_at_10)}`,
          `live ${d.champion?.release} ${d.champion?.model} ${f4(d.champion?.ndcg_at_10 ?? 0)}`,
          `floor ${f4(d.floor ?? 0)}`,
        ],
        count: 3,
        decision: d,
      } satisfies GateFailure & { decision: ChampionDecision },
    ],
  }
}

/**
 * The tenant's live release and the evaluation it recorded (its `model` artifact's `metadata.evaluation`, else any
 * of its artifacts'); null when nothing is live.
 */
export async function liveChampion(db: Database, tenant: string): Promise<Champion | null> {
  const [pointer] = await db
    .select({ release: releasePointers.release_id })
    .from(releasePointers)
    .where(eq(releasePointers.tenant_id, tenant))
  if (!pointer?.release) return null
  const rows = await db
    .select({ kind: artifacts.kind, metadata: artifactVersions.metadata })
    .from(releaseArtifacts)
    .innerJoin(artifactVersions, eq(artifactVersions.id, releaseArtifacts.artifact_version_id))
    .innerJoin(artifacts, eq(artifacts.id, artifactVersions.artifact_id))
    .where(and(eq(releaseArtifacts.release_id, pointer.release), eq(artifacts.tenant_id, tenant)))
  const recorded = rows
    .sort((a, b) => Number(b.kind === 'model') - Number(a.kind === 'model'))
    .map((r) => RecordedEvaluation.safeParse((r.metadata as { evaluation?: unknown }).evaluation))
    .find((p) => p.success)
  return { release: pointer.release, evaluation: recorded?.data ?? null }
}

/** The audit row of a publish forced past the gate: both numbers, who and why. */
export async function auditOverride(
  db: Database,
  e: {
    tenant: string
    release: string
    decision: ChampionDecision
    actor: Actor
    reason: string
    request_id?: string
  },
): Promise<void> {
  await writeAudit(db, {
    actor: e.actor,
    action: 'release.champion_override',
    tenant_id: e.tenant,
    target: e.release,
    reason: e.reason,
    before: e.decision.champion,
    after: {
      release: e.release,
      ...e.decision.challenger,
      floor: e.decision.floor,
      change: e.decision.change,
      note: e.decision.note,
    },
    request_id: e.request_id,
  })
}
