import { Option, type Command } from 'commander'
import { act } from './context'
import { kv, table } from './format'
import { commaList, examples, reasonOption } from './options'

const CONSENT = ['personalized', 'contextual_only', 'non_personalized']

interface Tenant {
  id: string
  name: string
  consent_default: string
  release: string | null
  created_at: string
  surfaces?: Array<{ id: string; kind: string; deadline_ms: number; rules: string }>
}

/** `recsys tenant create|list|show`. */
export function tenantCommands(program: Command) {
  const tenant = program.command('tenant').description('Create and inspect tenants')
  examples(tenant, [
    'recsys tenant create acme --name "Acme Inc" --consent-default personalized',
    'recsys tenant list',
    'recsys tenant show acme --json',
  ])

  tenant
    .command('create <id>')
    .description('Create a tenant (surfaces home_feed and related_items) and its first API key')
    .option('--name <name>', 'display name (default: the id)')
    .addOption(
      new Option(
        '--consent-default <mode>',
        'privacy mode for users with no stored consent',
      ).choices(CONSENT),
    )
    .option(
      '--permissions <list>',
      'permissions of the first key (recommend,events,debug,users)',
      commaList,
    )
    .addOption(reasonOption(false))
    .action(
      act<{ name?: string; consentDefault?: string; permissions?: string[]; reason?: string }>(
        async (ctx, o, [id]) => {
          const r = await ctx.api.call<{ tenant: string; api_key: string; key_id: string }>(
            'POST',
            '/v1/tenants',
            {
              json: {
                id,
                name: o.name,
                consent_default: o.consentDefault,
                permissions: o.permissions,
                reason: o.reason,
              },
            },
          )
          ctx.out(r, () =>
            [
              `created tenant ${r.tenant}`,
              kv([
                ['key id', r.key_id],
                ['api key', r.api_key],
              ]),
              'The API key is shown only once: store it now.',
            ].join('\n'),
          )
        },
      ),
    )

  tenant
    .command('list')
    .description('List tenants with their live release')
    .action(
      act(async (ctx) => {
        const r = await ctx.api.call<{ tenants: Tenant[] }>('GET', '/v1/tenants')
        ctx.out(r, () =>
          table(r.tenants, [
            ['tenant', 'id'],
            ['name', 'name'],
            ['consent default', 'consent_default'],
            ['live release', 'release'],
            ['created', 'created_at'],
          ]),
        )
      }),
    )

  tenant
    .command('show <id>')
    .description('One tenant: settings, live release and surfaces')
    .action(
      act(async (ctx, _o, [id]) => {
        const t = await ctx.api.call<Tenant>('GET', `/v1/tenants/${encodeURIComponent(id!)}`)
        ctx.out(t, () =>
          [
            kv([
              ['tenant', t.id],
              ['name', t.name],
              ['consent default', t.consent_default],
              ['live release', t.release],
              ['created', t.created_at],
            ]),
            '',
            table(t.surfaces ?? [], [
              ['surface', 'id'],
              ['kind', 'kind'],
              ['deadline ms', 'deadline_ms'],
              ['rules', 'rules'],
            ]),
          ].join('\n'),
        )
      }),
    )
}
