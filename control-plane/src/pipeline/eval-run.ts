import { err, ok, type Result } from '@recsys/shared'
import type { Database } from '../db/client'
import { loadTenantConfig } from '../tenants/service'
import { decide, liveChampion, recordEvaluation, type ChampionDecision } from '../release/champion'
import { EVAL_SPLIT, evaluationReport, type EvaluationReport } from '@recsys/trainer/eval/report'
import { ALS_PARAMS } from '@recsys/trainer/recommenders/als'
import { catalogInteractions } from '@recsys/trainer/data/dataset'
import { aggregateInteractions } from './aggregate'
import { loadDataset } from './load-dataset'
import type { PipelineInput } from './run'

export type EvalInput = Pick<
  PipelineInput,
  'tenant' | 'dataset' | 'seed' | 'items' | 'users' | 'interactions_per_user' | 'split' | 'tune_als'
>

/**
 * `recsys eval`: the pipeline's offline evaluation on the same dataset, and what the champion gate would decide
 * against the live release. Registers and writes nothing.
 */
export async function runEvaluation(
  deps: { db: Database; progress?: (msg: string) => void },
  input: EvalInput,
): Promise<
  Result<
    { evaluation: EvaluationReport; champion: ChampionDecision; ms: number },
    { code: string; message: string }
  >
> {
  const t0 = performance.now()
  const say = deps.progress ?? (() => undefined)
  const config = await loadTenantConfig(deps.db, input.tenant)
  if (!config.ok) return err(config.error)
  const seed = input.seed ?? 42
  const loaded = await loadDataset(input, seed, say, deps.db)
  if (!loaded.ok) return loaded
  const { data, name } = loaded.value
  say(
    `evaluating on ${name}: ${data.items.length} items, ${data.users.length} users, ${data.interactions.length} interactions`,
  )
  // The same evaluation as a pipeline run's: catalog items only, the temporal split made in DuckDB (the random
  // one by the trainer), the run's ALS settings and seed.
  const interactions = catalogInteractions(data)
  const protocol = input.split ?? 'temporal'
  const split =
    protocol === 'temporal'
      ? (await aggregateInteractions(interactions, { split: { leaveLastN: EVAL_SPLIT.n } })).split
      : undefined
  const evaluation = await evaluationReport(
    { ...data, interactions },
    { tenant: input.tenant, name, seed: input.dataset === 'synthetic' ? seed : null, protocol },
    { als: { ...ALS_PARAMS, seed }, alsSearch: input.tune_als ?? false },
    split,
  )
  const champion = decide(recordEvaluation(evaluation), await liveChampion(deps.db, input.tenant))
  return ok({ evaluation, champion, ms: Math.round(performance.now() - t0) })
}
