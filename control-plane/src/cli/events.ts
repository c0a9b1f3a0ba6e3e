import path from 'node:path'
import { Id } from '@recsys/shared'
import { Option, type Command } from 'commander'
import { parseSince } from './audit'
import { usageError } from './cli-error'
import { act } from './context'
import { bytes, kv } from './format'
import { examples } from './options'
import type { LogReader } from '../events/log-reader'

interface ExportOptions {
  tenant: string
  since: string
  until?: string
  out: string
  edgeUrl: string
  edgeToken?: string
}

/**
 * Where the log is read: Cloudflare R2 over the REST API when CLOUDFLARE_API_TOKEN is set (with
 * CLOUDFLARE_ACCOUNT_ID; bucket CLOUDFLARE_LOG_BUCKET, default recsys-logs), else the local edge's /internal/log.
 */
async function logReader(o: ExportOptions, env = process.env): Promise<LogReader> {
  if (env.CLOUDFLARE_API_TOKEN) {
    if (!env.CLOUDFLARE_ACCOUNT_ID)
      throw usageError(
        'CLOUDFLARE_API_TOKEN is set, so R2 is read from Cloudflare: set CLOUDFLARE_ACCOUNT_ID too',
      )
    const { CloudflareLogReader } = await import('../events/cloudflare-log-reader')
    return new CloudflareLogReader({
      accountId: env.CLOUDFLARE_ACCOUNT_ID,
      bucket: env.CLOUDFLARE_LOG_BUCKET ?? 'recsys-logs',
      apiToken: env.CLOUDFLARE_API_TOKEN,
    })
  }
  if (!o.edgeToken)
    throw usageError(
      `no edge admin token: the local log is read through the edge's /internal route (${o.edgeUrl}), which needs ` +
        `the EDGE_ADMIN_TOKEN the edge was started with: pass --edge-token or set EDGE_ADMIN_TOKEN. For Cloudflare, ` +
        `set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (and CLOUDFLARE_LOG_BUCKET) instead.`,
    )
  const { LocalLogReader } = await import('../events/local-log-reader')
  return new LocalLogReader({ url: o.edgeUrl, token: o.edgeToken })
}

/** `recsys events export`: the event log (events, decisions, deletions) to a local directory. */
export function eventsCommands(program: Command) {
  const events = program
    .command('events')
    .description('The event log that the batch pipeline learns from')
  examples(events, [
    'recsys events export --tenant acme --since 24h',
    'recsys events export --tenant acme --since 2026-11-20T00:00Z --out /tmp/log --json',
    'recsys events import --tenant acme --movielens ../shared/datasets/ml-latest-small --out .data/events',
  ])
  events
    .command('export')
    .description(
      'Copy the log objects of a tenant from R2 to <out>/<tenant>/<date>/<hour>/ (NDJSON), for the batch pipeline',
    )
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption(
      '--since <when>',
      'a duration back from now (30m, 24h, 7d) or a date/time',
      (v: string) => parseSince(v),
    )
    .option('--until <when>', 'end of the range (default: now)', (v: string) => parseSince(v))
    .option('--out <dir>', 'directory to write to', '.data/events')
    .addOption(
      new Option(
        '--edge-url <url>',
        'the local edge (its /internal/log route reads the log bucket)',
      )
        .env('EDGE_URL')
        .default('http://127.0.0.1:8787'),
    )
    .addOption(new Option('--edge-token <token>', "the edge's admin token").env('EDGE_ADMIN_TOKEN'))
    .action(
      act<ExportOptions>(async (ctx, o) => {
        const reader = await logReader(o)
        const { exportLog } = await import('../events/export')
        const progress = ctx.step(`exporting the log of ${o.tenant} since ${o.since} …`)
        const r = await exportLog({
          reader,
          tenant: o.tenant,
          since: new Date(o.since),
          until: o.until ? new Date(o.until) : undefined,
          dir: o.out,
          progress,
        })
        ctx.out(r, () =>
          kv([
            ['tenant', r.tenant],
            ['range', `${r.since} … ${r.until}`],
            ['objects', `${r.objects} (${r.written} written, ${r.skipped} already there)`],
            ['size', bytes(r.bytes)],
            ['records', kvList(r.records)],
            ['directory', r.dir],
          ]),
        )
      }),
    )

  events
    .command('import')
    .description(
      'Write MovieLens ratings as log events under <out>/<tenant>/<date>/<hour>/ (the pipeline reads them like the log)',
    )
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption(
      '--movielens <dir>',
      'a MovieLens folder: ml-latest (ratings.csv + movies.csv) or ml-100k (u.data + u.item)',
    )
    .option('--out <dir>', 'log directory to write to', '.data/events')
    .action(
      act<{ tenant: string; movielens: string; out: string }>(async (ctx, o) => {
        const parsed = Id.safeParse(o.tenant)
        if (!parsed.success) throw usageError(`--tenant: ${parsed.error.issues[0]?.message}`)
        const { importMovieLensEvents } = await import('../events/import-movielens')
        const { movieLensFormat } = await import('@recsys/trainer/data/movielens')
        if (!movieLensFormat(o.movielens))
          throw usageError(
            `${o.movielens} holds neither ratings.csv + movies.csv (ml-latest) nor u.data + u.item (ml-100k)`,
          )
        const progress = ctx.step(`importing ${o.movielens} as events of ${o.tenant} …`)
        const r = await importMovieLensEvents({
          tenant: o.tenant,
          movielens: o.movielens,
          out: o.out,
          progress,
        })
        ctx.out(r, () =>
          kv([
            ['tenant', r.tenant],
            ['format', r.format],
            ['events', `${r.events} (${kvList(r.by_type)})`],
            ['objects', `${r.objects} in ${r.hours} hours`],
            ['directory', path.join(r.dir, r.tenant)],
            ['next', `recsys pipeline run --tenant ${r.tenant} --dataset log:${o.out}`],
          ]),
        )
      }),
    )
}

const kvList = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-'
