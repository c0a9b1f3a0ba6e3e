import { Option, type Command } from 'commander'
import { act } from './context'
import { kv, table } from './format'
import { examples, reasonOption } from './options'

const ROLES = ['viewer', 'operator', 'sre', 'admin']

/** `recsys operator create|list` and `recsys whoami`. */
export function operatorCommands(program: Command) {
  const op = program
    .command('operator')
    .description('Manage operators (people and automations with a role and a bearer token)')
  examples(op, [
    'recsys operator create alice --role sre --name "Alice (on call)"',
    'recsys operator list',
  ])

  op.command('create <id>')
    .description('Create an operator; the token is shown once')
    .addOption(
      new Option('--role <role>', 'viewer, operator, sre or admin')
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'display name (default: the id)')
    .addOption(reasonOption(false))
    .action(
      act<{ role: string; name?: string; reason?: string }>(async (ctx, o, [id]) => {
        const r = await ctx.api.call<{ operator: { id: string; role: string }; token: string }>(
          'POST',
          '/v1/operators',
          { json: { id, role: o.role, name: o.name, reason: o.reason } },
        )
        ctx.out(r, () =>
          [
            kv([
              ['operator', r.operator.id],
              ['role', r.operator.role],
              ['token', r.token],
            ]),
            'The token is shown only once: hand it over now (RECSYS_TOKEN=… npx recsys whoami).',
          ].join('\n'),
        )
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
