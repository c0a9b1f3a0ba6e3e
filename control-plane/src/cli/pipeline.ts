import path from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { act } from './context'
import { bytes, short, table } from './format'
import { examples, int, reasonOption, tenantOption } from './options'

interface Report {
  tenant: string
  dataset: { name: string; seed: number; items: number; users: number; interactions: number }
  artifacts: Array<{ kind: string; name: string; sha256: string; created: boolean; bytes: number }>
  published?: { release: string; previous: string | null; ms: number }
  evaluation?: {
    users_evaluated: number
    models: Record<
      string,
      { recall_at_10: number; ndcg_at_10: number; map_at_10: number; coverage_at_10: number }
    >
  }
  ms: number
}

function describe(r: Report, tenant: string): string {
  const d = r.dataset
  const next = r.published
    ? `published ${r.published.release} (previous: ${r.published.previous ?? 'none'}) in ${r.published.ms} ms`
    : `not published: \`recsys release publish --tenant ${tenant} --reason …\` puts these live`
  return [
    `dataset ${d.name} (seed ${d.seed}): ${d.items} items, ${d.users} users, ${d.interactions} interactions`,
    ...(r.evaluation ? [evaluation(r.evaluation)] : []),
    table(r.artifacts, [
      ['kind', 'kind'],
      ['name', 'name'],
      ['sha256', (a) => short(a.sha256)],
      ['new', 'created'],
      ['size', (a) => bytes(a.bytes)],
    ]),
    next,
    `done in ${(r.ms / 1000).toFixed(1)} s`,
  ].join('\n')
}

/** The offline evaluation: one row per model, NDCG@10 also as a ratio to popularity. */
function evaluation(e: NonNullable<Report['evaluation']>): string {
  const base = e.models.popularity?.ndcg_at_10
  const rows = Object.entries(e.models).map(([model, m]) => ({ model, ...m }))
  return [
    `offline evaluation (${e.users_evaluated} users, each user's last items held out):`,
    table(rows, [
      ['model', 'model'],
      ['NDCG@10', 'ndcg_at_10'],
      ['× popularity', (m) => (base ? `${(m.ndcg_at_10 / base).toFixed(2)}×` : '-')],
      ['recall@10', 'recall_at_10'],
      ['MAP@10', 'map_at_10'],
      ['coverage', 'coverage_at_10'],
    ]),
  ].join('\n')
}

/** `recsys pipeline run`: dataset → catalog → artifacts → register → (publish). */
export function pipelineCommands(program: Command) {
  const pipeline = program.command('pipeline').description('Run the batch pipeline for a tenant')
  examples(pipeline, [
    'recsys pipeline run --tenant acme --seed 7 --publish --reason "nightly"',
    'recsys pipeline run --tenant acme --items 2000 --users 500 --json',
    'recsys pipeline run --tenant acme --dataset movielens:../shared/datasets/ml-latest-small --publish',
    'recsys pipeline run --tenant acme --dataset log:.data/events   # after events export or events import',
  ])

  pipeline
    .command('run')
    .description(
      'Build the catalog and artifacts from a dataset, register them, and publish with --publish',
    )
    .addOption(tenantOption())
    .addOption(
      new Option(
        '--dataset <name>',
        'dataset to learn from: synthetic, movielens:<dir> (ml-latest ratings.csv + movies.csv, or ml-100k u.data + ' +
          "u.item), or log:<dir> (an event log as events export/import write it, with the tenant's catalog)",
      )
        .argParser((v: string) => {
          if (v === 'synthetic') return v
          for (const prefix of ['movielens:', 'log:'])
            if (v.startsWith(prefix) && v.length > prefix.length)
              // The control plane reads the folder: an absolute path, so its working directory does not matter.
              return `${prefix}${path.resolve(v.slice(prefix.length))}`
          throw new InvalidArgumentError('expected synthetic, movielens:<dir> or log:<dir>')
        })
        .default('synthetic'),
    )
    .option('--seed <n>', 'random seed of the synthetic dataset', int)
    .option('--items <n>', 'items in the synthetic dataset', int)
    .option('--users <n>', 'users in the synthetic dataset', int)
    .option('--interactions-per-user <n>', 'mean interactions per user (synthetic)', int)
    .option('--publish', 'publish a release from the new artifacts')
    .addOption(reasonOption(false))
    .action(
      act<{
        tenant: string
        dataset: string
        seed?: number
        items?: number
        users?: number
        interactionsPerUser?: number
        publish?: boolean
        reason?: string
      }>(async (ctx, o) => {
        const progress = ctx.step(`running the pipeline for ${o.tenant} on ${o.dataset} …`)
        const r = await ctx.api.stream<Report>(
          `/v1/tenants/${encodeURIComponent(o.tenant)}/pipeline/run`,
          {
            dataset: o.dataset,
            seed: o.seed,
            items: o.items,
            users: o.users,
            interactions_per_user: o.interactionsPerUser,
            publish: Boolean(o.publish),
            reason: o.reason,
          },
          progress,
        )
        ctx.out(r, () => describe(r, o.tenant))
      }),
    )
}
