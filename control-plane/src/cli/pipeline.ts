import type { Command } from 'commander'
import type { ChampionDecision } from '../release/champion'
import type { EvaluationReport } from '@recsys/trainer/eval/report'
import { act } from './context'
import { championLines, datasetLine, modelsTable } from './eval'
import { bytes, short, table } from './format'
import {
  addDatasetOptions,
  datasetBody,
  examples,
  reasonOption,
  tenantOption,
  type DatasetOptions,
} from './options'
import { defaultReportDir, writeReportFiles } from './report-files'

interface Report {
  tenant: string
  dataset: { name: string; seed: number; items: number; users: number; interactions: number }
  artifacts: Array<{ kind: string; name: string; sha256: string; created: boolean; bytes: number }>
  published?: { release: string; previous: string | null; ms: number }
  evaluation: EvaluationReport
  champion: ChampionDecision
  ms: number
}

function describe(r: Report, tenant: string, files: { json: string; html: string }): string {
  const d = r.dataset
  const next = r.published
    ? `published ${r.published.release} (previous: ${r.published.previous ?? 'none'}) in ${r.published.ms} ms`
    : `not published: \`recsys release publish --tenant ${tenant} --reason …\` puts these live`
  return [
    `dataset ${d.name} (seed ${d.seed}): ${d.items} items, ${d.users} users, ${d.interactions} interactions`,
    table(r.artifacts, [
      ['kind', 'kind'],
      ['name', 'name'],
      ['sha256', (a) => short(a.sha256)],
      ['new', 'created'],
      ['size', (a) => bytes(a.bytes)],
    ]),
    `offline evaluation: ${datasetLine(r.evaluation)}`,
    modelsTable(r.evaluation),
    championLines(r.champion, !r.published),
    next,
    `report: ${files.json}\n        ${files.html}`,
    `done in ${(r.ms / 1000).toFixed(1)} s`,
  ].join('\n')
}

/** `recsys pipeline run`: dataset → catalog → evaluation → artifacts → register → (champion gate → publish). */
export function pipelineCommands(program: Command) {
  const pipeline = program.command('pipeline').description('Run the batch pipeline for a tenant')
  examples(pipeline, [
    'recsys pipeline run --tenant acme --seed 7 --publish --reason "nightly"',
    'recsys pipeline run --tenant acme --items 2000 --users 500 --json',
    'recsys pipeline run --tenant acme --dataset movielens:../shared/datasets/ml-latest-small --publish',
    'recsys pipeline run --tenant acme --dataset log:.data/events   # after events export or events import',
    'recsys pipeline run --tenant acme --publish --force --reason "new catalog, NDCG drop accepted"',
  ])

  addDatasetOptions(
    pipeline
      .command('run')
      .description(
        'Build the catalog and artifacts from a dataset, evaluate offline, register, and publish with --publish',
      )
      .addOption(tenantOption()),
  )
    .option('--publish', 'publish a release from the new artifacts (the champion gate runs first)')
    .option(
      '--force',
      'publish even when NDCG@10 is more than 2 % below the live release (needs --reason; audited)',
    )
    .option(
      '--report-dir <dir>',
      'where report.json and report.html go (default: .data/reports/<tenant>/<time>/)',
    )
    .addOption(reasonOption(false))
    .hook('preAction', (cmd) => {
      if (cmd.opts().force && !cmd.opts().reason)
        cmd.error('error: --force needs --reason: overriding the champion gate is audited', {
          exitCode: 2,
        })
    })
    .action(
      act<
        DatasetOptions & {
          tenant: string
          publish?: boolean
          force?: boolean
          reportDir?: string
          reason?: string
        }
      >(async (ctx, o) => {
        const progress = ctx.step(`running the pipeline for ${o.tenant} on ${o.dataset} …`)
        const r = await ctx.api.stream<Report>(
          `/v1/tenants/${encodeURIComponent(o.tenant)}/pipeline/run`,
          {
            ...datasetBody(o),
            publish: Boolean(o.publish),
            force: Boolean(o.force),
            reason: o.reason,
          },
          progress,
        )
        const files = await writeReportFiles(
          o.reportDir ?? defaultReportDir(r.tenant, r.evaluation.created_at),
          r.evaluation,
          r.champion,
        )
        ctx.out({ ...r, report_files: files }, () => describe(r, o.tenant, files))
      }),
    )
}
