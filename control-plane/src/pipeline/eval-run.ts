import { err, ok, type Result } from '@recsys/shared'
import type { Database } from '../db/client'
import { loadTenantConfig } from '../tenants/service'
import { decide, liveChampion, recordEvaluation, type ChampionDecision } from './champion'
import { evaluationReport, type EvaluationReport } from './report'
import { ALS_PARAMS } from './als'
import { catalogInteractions } from './dataset'
import { loadDataset } from './load-dataset'
import type { PipelineInput } from './run'

export type EvalInput = Pick<
  PipelineInput,
  'tenant' | 'dataset' | 'seed' | 'items' | 'users' | 'interactions_per_user'
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
  // The same evaluation as a pipeline run's: catalog items only, the run's ALS settings and seed.
  const evaluation = await evaluationReport(
    { ...data, interactions: catalogInteractions(data) },
    { tenant: input.tenant, name, seed: input.dataset === 'synthetic' ? seed : null },
    { als: { ...ALS_PARAMS, seed } },
  )
  const champion = decide(recordEvaluation(evaluation), await liveChampion(deps.db, input.tenant))
  return ok({ evaluation, champion, ms: Math.round(performance.now() - t0) })
}
