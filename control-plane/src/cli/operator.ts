import { Option, type Command } from 'commander'
import { act } from './context'
import { kv, table } from './format'
import { examples, int, reasonOption } from './options'

const ROLES = ['viewer', 'operator', 'sre', 'admin']

interface OperatorReply {
  operator: { id: string; role: string; disabled: boolean; expires_at: string | null }
  token?: string
}

/** `--expires-in-days <n>`: how long the token signs in (the control plane's default otherwise). */
const expiresOption = () =>
  new Option(
    '--expires-in-days <n>',
    "days the token signs in (1–3650; default: the control plane's, 90 unless configured)",
  ).argParser(int)

const operatorPath = (id: string, verb: string) => `/v1/operators/${encodeURIComponent(id)}/${verb}`

/** `recsys operator create|list|disable|rotate` and `recsys whoami`. */
export function operatorCommands(program: Command) {
  const op = program
    .command('operator')
    .description('Manage operators (people and automations with a role and a bearer token)')
  examples(op, [
    'recsys operator create alice --role sre --name "Alice (on call)"',
    'recsys operator list',
    'recsys operator rotate alice --reason "quarterly rotation" --expires-in-days 30',
    'recsys operator disable alice --reason "left the team"',
  ])

  op.command('create <id>')
    .description('Create an operator; the token is shown once')
    .addOption(
      new Option('--role <role>', 'viewer, operator, sre or admin')
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'display name (default: the id)')
    .addOption(expiresOption())
    .addOption(reasonOption(false))
    .action(
      act<{ role: string; name?: string; expiresInDays?: number; reason?: string }>(
        async (ctx, o, [id]) => {
          const r = await ctx.api.call<OperatorReply>('POST', '/v1/operators', {
            json: {
              id,
              role: o.role,
              name: o.name,
              expires_in_days: o.expiresInDays,
              reason: o.reason,
            },
          })
          ctx.out(r, () => shownOnce(r))
        },
      ),
    )

  op.command('rotate <id>')
    .description('Give an operator a new token (shown once); the old one is refused at once')
    .addOption(expiresOption())
    .addOption(reasonOption(true))
    .action(
      act<{ expiresInDays?: number; reason: string }>(async (ctx, o, [id]) => {
        const r = await ctx.api.call<OperatorReply>('POST', operatorPath(id!, 'rotate'), {
          json: { expires_in_days: o.expiresInDays, reason: o.reason },
        })
        ctx.out(r, () => shownOnce(r))
      }),
    )

  op.command('disable <id>')
    .description('Disable an operator: its token is refused from the next request on')
    .addOption(reasonOption(true))
    .action(
      act<{ reason: string }>(async (ctx, o, [id]) => {
        const r = await ctx.api.call<OperatorReply>('POST', operatorPath(id!, 'disable'), {
          json: { reason: o.reason },
        })
        ctx.out(r, () => `disabled ${r.operator.id}: its token is refused from now on`)
      }),
    )

  op.command('list')
    .description('List operators (never their tokens)')
    .action(
      act(async (ctx) => {
        const r = await ctx.api.call<{ operators: Array<Record<string, unknown>> }>(
          'GET',
          '/v1/operators',
        )
        ctx.out(r, () =>
          table(r.operators, [
            ['operator', 'id'],
            ['name', 'name'],
            ['role', 'role'],
            ['disabled', 'disabled'],
            ['expires', 'expires_at'],
            ['created', 'created_at'],
          ]),
        )
      }),
    )

  const whoami = program
    .command('whoami')
    .description('Show which operator the token belongs to, and its role')
    .action(
      act(async (ctx) => {
        const me = await ctx.api.call<{ id: string; role: string }>('GET', '/v1/me')
        ctx.out(me, () => `${me.id} (${me.role})`)
      }),
    )
  examples(whoami, [
    'recsys whoami',
    'RECSYS_TOKEN=rso_… recsys whoami --api https://cp.example.com',
  ])
}

/** The operator and its new token, which the API shows only once. */
const shownOnce = (r: OperatorReply) =>
  [
    kv([
      ['operator', r.operator.id],
      ['role', r.operator.role],
      ['expires', r.operator.expires_at ?? 'never'],
      ['token', r.token ?? ''],
    ]),
    'The token is shown only once: hand it over now (RECSYS_TOKEN=… npx recsys whoami).',
  ].join('\n')
