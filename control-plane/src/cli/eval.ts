import type { Command } from 'commander'
import type { ChampionDecision } from '../release/champion'
import type { EvaluationReport } from '@recsys/trainer/eval/report'
import { act } from './context'
import { table } from './format'
import {
  addDatasetOptions,
  datasetBody,
  examples,
  tenantOption,
  type DatasetOptions,
} from './options'
import { defaultReportDir, writeReportFiles } from './report-files'

const METRIC_COLUMNS = [
  ['recall@10', 'recall_at_10'],
  ['recall@20', 'recall_at_20'],
  ['ndcg@10', 'ndcg_at_10'],
  ['precision@10', 'precision_at_10'],
  ['map@10', 'map_at_10'],
  ['coverage@10', 'coverage_at_10'],
] as const
const SLICE_COLUMNS = [
  ['cold-start ndcg@10', 'cold_start'],
  ['head ndcg@10', 'head_items'],
  ['tail ndcg@10', 'tail_items'],
] as const

/** A value with its ratio to the baseline: `0.0508 1.54×`. */
const withRatio = (v: number, r: number | null | undefined) =>
  `${v.toFixed(4)} ${r === null || r === undefined ? '–' : `${r.toFixed(2)}×`}`

/** Models × metrics, each with its ratio to the baseline; the served model is starred. */
export function modelsTable(e: EvaluationReport): string {
  const rows = Object.keys(e.models)
  const name = (m: string) => (m === e.served_model ? `${m} *` : m)
  return [
    table(rows, [
      ['model', name],
      ...METRIC_COLUMNS.map(
        ([h, id]) =>
          [h, (m: string) => withRatio(e.models[m]![id], e.ratios[m]?.[id])] as [
            string,
            (m: string) => string,
          ],
      ),
    ]),
    table(rows, [
      ['model', name],
      ...SLICE_COLUMNS.map(
        ([h, id]) =>
          [
            h,
            (m: string) =>
              `${withRatio(e.models[m]![id].ndcg_at_10, e.ratios[m]?.[`${id}.ndcg_at_10`])} (${e.models[m]![id].users} users)`,
          ] as [string, (m: string) => string],
      ),
    ]),
    `* served model; ratios are to ${e.baseline}`,
  ].join('\n\n')
}

/** The dataset and split in one line. */
export const datasetLine = (e: EvaluationReport) =>
  `dataset ${e.dataset.name}${e.dataset.seed === null ? '' : ` (seed ${e.dataset.seed})`}: ${e.dataset.items} items, ` +
  `${e.dataset.users} users, ${e.dataset.interactions} interactions; split ${e.split.description}: ` +
  `${e.split.users_evaluated} users scored`

/** The live release's recorded NDCG@10 and the gate's verdict (`would`: nothing was published, say what would be). */
export function championLines(d: ChampionDecision, would: boolean): string {
  const c = d.champion
  const live = !c
    ? 'live release: none'
    : c.ndcg_at_10 === undefined
      ? `live release ${c.release}: no recorded evaluation`
      : `live release ${c.release}: ${c.model} NDCG@10 ${c.ndcg_at_10.toFixed(4)} (${c.dataset}, ${c.split})`
  return `${live}\nchampion gate${would ? ' (if published now)' : ''}: ${d.note}`
}

interface EvalResult {
  evaluation: EvaluationReport
  champion: ChampionDecision
  ms: number
}

/** `recsys eval`: the offline evaluation and the gate's verdict, without registering anything. */
export function evalCommand(program: Command) {
  const cmd = addDatasetOptions(
    program
      .command('eval')
      .description(
        'Evaluate the pipeline offline on a held-out split, every model against popularity, and say what a publish would decide',
      )
      .addOption(tenantOption()),
  )
    .option('--out <dir>', 'also write report.json and report.html there')
    .action(
      act<DatasetOptions & { tenant: string; out?: string }>(async (ctx, o) => {
        const progress = ctx.step(`evaluating for ${o.tenant} on ${o.dataset} …`)
        const r = await ctx.api.stream<EvalResult>(
          `/v1/tenants/${encodeURIComponent(o.tenant)}/pipeline/eval`,
          datasetBody(o),
          progress,
        )
        const files = o.out ? await writeReportFiles(o.out, r.evaluation, r.champion) : undefined
        ctx.out({ ...r, ...(files ? { report_files: files } : {}) }, () =>
          [
            datasetLine(r.evaluation),
            modelsTable(r.evaluation),
            championLines(r.champion, true),
            files
              ? `report: ${files.json}\n        ${files.html}`
              : `(--out <dir> writes report.json and report.html; e.g. --out ${defaultReportDir(o.tenant, r.evaluation.created_at)})`,
          ].join('\n\n'),
        )
      }),
    )
  examples(cmd, [
    'recsys eval --tenant acme',
    'recsys eval --tenant acme --dataset movielens:../shared/datasets/ml-latest-small --out reports/ml',
    'recsys eval --tenant acme --items 2000 --users 500 --json',
  ])
}
