import type { Command } from 'commander'
import { act } from './context'
import { cell, kv, table } from './format'
import { commaList, examples, reasonOption, tenantOption } from './options'

interface ApiKey {
  id: string
  prefix: string
  permissions: string[]
  created_by: string
  created_at: string
  revoked_at: string | null
}

const keysPath = (tenant: string) => `/v1/tenants/${encodeURIComponent(tenant)}/keys`

/** `recsys key create|list|revoke`: a tenant's API keys for the edge. */
export function keyCommands(program: Command) {
  const key = program.command('key').description("Manage a tenant's API keys")
  examples(key, [
    'recsys key create --tenant acme --permissions recommend,events,debug',
    'recsys key list --tenant acme',
    'recsys key revoke key_123 --tenant acme --reason "leaked in a public repo"',
  ])

  key
    .command('create')
    .description('Create an API key (the key is shown once)')
    .addOption(tenantOption())
    .option(
      '--permissions <list>',
      'recommend,events,debug,users (default: recommend,events, a publishable key; users deletes users and sets consent: server keys only)',
      commaList,
    )
    .addOption(reasonOption(false))
    .action(
      act<{ tenant: string; permissions?: string[]; reason?: string }>(async (ctx, o) => {
        const r = await ctx.api.call<{ key_id: string; api_key: string; permissions: string[] }>(
          'POST',
          keysPath(o.tenant),
          { json: { permissions: o.permissions, reason: o.reason } },
        )
        ctx.out({ tenant: o.tenant, ...r }, () =>
          [
            kv([
              ['key id', r.key_id],
              ['permissions', r.permissions],
              ['api key', r.api_key],
            ]),
            'The API key is shown only once: store it now.',
          ].join('\n'),
        )
      }),
    )

  key
    .command('list')
    .description('List API keys (never the keys themselves)')
    .addOption(tenantOption())
    .action(
      act<{ tenant: string }>(async (ctx, o) => {
        const r = await ctx.api.call<{ keys: ApiKey[] }>('GET', keysPath(o.tenant))
        ctx.out(r, () =>
          table(r.keys, [
            ['key id', 'id'],
            ['prefix', 'prefix'],
            ['permissions', 'permissions'],
            ['created by', 'created_by'],
            ['created', 'created_at'],
            ['revoked', 'revoked_at'],
          ]),
        )
      }),
    )

  key
    .command('revoke <key_id>')
    .description('Revoke an API key (edges refuse it within their 10 s key cache)')
    .addOption(tenantOption())
    .addOption(reasonOption(true))
    .action(
      act<{ tenant: string; reason: string }>(async (ctx, o, [keyId]) => {
        const r = await ctx.api.call<{ key_id: string; revoked_at: string }>(
          'POST',
          `${keysPath(o.tenant)}/${encodeURIComponent(keyId!)}/revoke`,
          { json: { reason: o.reason } },
        )
        ctx.out(r, () => `revoked ${r.key_id} at ${cell(r.revoked_at)}`)
      }),
    )
}
