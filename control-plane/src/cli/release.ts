import type { Command } from 'commander'
import { act } from './context'
import { kv, short, table } from './format'
import { collect, examples, reasonOption, tenantOption } from './options'

interface Published {
  tenant: string
  release: string
  previous: string | null
  blobs: number
  ms: number
  dry_run?: boolean
  versions?: Array<{ id: number; kind: string; name: string; sha256: string }>
  folded?: string[]
  champion?: { note: string } | null
}

interface Release {
  id: string
  tenant_id: string
  created_at: string
  created_by: string
  note: string | null
  manifest: Record<string, unknown>
  artifacts: Array<{ id: number; kind: string; name: string; sha256: string; size_bytes: number }>
}

const releasesPath = (tenant: string) => `/v1/tenants/${encodeURIComponent(tenant)}/releases`

const versionsTable = (rows: NonNullable<Published['versions']>) =>
  table(rows, [
    ['version', 'id'],
    ['kind', 'kind'],
    ['name', 'name'],
    ['sha256', (v) => short(v.sha256)],
  ])

function describePublish(p: Published): string {
  const n = p.versions?.length ?? 0
  const head = p.dry_run
    ? `dry run: release ${p.release} would publish ${n} artifact versions (every gate passed); nothing was written`
    : `published ${p.release} for ${p.tenant} (previous: ${p.previous ?? 'none'}): ${n} artifact versions, ${p.blobs} blobs, ${p.ms} ms`
  const folded = p.folded?.length
    ? `\ntombstones folded into the denylist: ${p.folded.join(', ')}`
    : ''
  const champion = p.champion
    ? `\nchampion gate: ${p.champion.note}`
    : '\nchampion gate: the model recorded no offline evaluation (not compared)'
  return `${head}\n${versionsTable(p.versions ?? [])}${folded}${champion}`
}

/** `recsys release publish|rollback|list|show`. */
export function releaseCommands(program: Command) {
  const release = program
    .command('release')
    .description('Publish, roll back and inspect releases (atomic pointer flips)')
  examples(release, [
    'recsys release publish --tenant acme --reason "new slates" --dry-run',
    'recsys release publish --tenant acme --reason "new slates" --release acme-2026-11-21',
    'recsys release rollback --tenant acme --reason "CTR dropped"',
    'recsys release list --tenant acme',
    'recsys release show --tenant acme acme-2026-11-21',
  ])

  release
    .command('publish')
    .description('Assemble a release from the registry (every gate), then publish it atomically')
    .addOption(tenantOption())
    .addOption(reasonOption(true))
    .option('--release <id>', 'release id (default: generated)')
    .option(
      '--version <ref>',
      'artifact version id or SHA-256 prefix to use (repeatable; default: the latest of each)',
      collect,
    )
    .option('--dry-run', 'run every gate and show what would be published; write nothing')
    .option(
      '--force',
      "publish even when the model's NDCG@10 is more than 2 % below the live release's (audited with --reason)",
    )
    .action(
      act<{
        tenant: string
        reason: string
        release?: string
        version?: string[]
        dryRun?: boolean
        force?: boolean
      }>(async (ctx, o) => {
        const progress = ctx.step(
          `${o.dryRun ? 'checking' : 'publishing'} a release for ${o.tenant} …`,
        )
        const r = await ctx.api.stream<Published>(
          releasesPath(o.tenant),
          {
            release: o.release,
            versions: o.version,
            dry_run: Boolean(o.dryRun),
            force: Boolean(o.force),
            reason: o.reason,
          },
          progress,
        )
        ctx.out(r, () => describePublish(r))
      }),
    )

  release
    .command('rollback')
    .description('Flip the pointer back to the previous release (or to --to)')
    .addOption(tenantOption())
    .addOption(reasonOption(true))
    .option('--to <release>', 'the release to serve (default: the one before the live one)')
    .action(
      act<{ tenant: string; reason: string; to?: string }>(async (ctx, o) => {
        const r = await ctx.api.call<Published>('POST', `${releasesPath(o.tenant)}/rollback`, {
          json: { to: o.to, reason: o.reason },
        })
        ctx.out(
          r,
          () =>
            `rolled back ${r.tenant} to ${r.release} (was ${r.previous ?? 'none'}) in ${r.ms} ms`,
        )
      }),
    )

  release
    .command('list')
    .description('Releases (newest first) and which one is live')
    .addOption(tenantOption())
    .action(
      act<{ tenant: string }>(async (ctx, o) => {
        const r = await ctx.api.call<{
          live: string | null
          releases: Array<{
            id: string
            live: boolean
            created_at: string
            created_by: string
            note: string | null
          }>
        }>('GET', releasesPath(o.tenant))
        ctx.out(r, () =>
          [
            `live: ${r.live ?? 'none'}`,
            table(r.releases, [
              ['release', 'id'],
              ['live', 'live'],
              ['created', 'created_at'],
              ['created by', 'created_by'],
              ['note', 'note'],
            ]),
          ].join('\n'),
        )
      }),
    )

  release
    .command('show <release>')
    .description('One release: its artifact versions (--json adds the manifest)')
    .addOption(tenantOption())
    .action(
      act<{ tenant: string }>(async (ctx, o, [id]) => {
        const r = await ctx.api.call<Release>(
          'GET',
          `${releasesPath(o.tenant)}/${encodeURIComponent(id!)}`,
        )
        ctx.out(r, () =>
          [
            kv([
              ['release', r.id],
              ['tenant', r.tenant_id],
              ['created', r.created_at],
              ['created by', r.created_by],
              ['note', r.note],
            ]),
            '',
            versionsTable(r.artifacts),
          ].join('\n'),
        )
      }),
    )
}
