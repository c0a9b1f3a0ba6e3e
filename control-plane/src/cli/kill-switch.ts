import type { Command } from 'commander'
import { act } from './context'
import { table } from './format'
import { examples, reasonOption } from './options'

interface Switch {
  name: string
  engaged: boolean
  value: string | null
  reason: string
  actor: string
  updated_at: string
}

interface Change {
  state: Switch
  redis: 'pushed' | 'pending'
  redis_error?: string
}

const switchPath = (name: string, verb: string) =>
  `/v1/kill-switches/${encodeURIComponent(name)}/${verb}`

const pushed = (c: Change) =>
  c.redis === 'pushed'
    ? 'edges and scorers see it within 2 s'
    : `NOT pushed to Upstash yet (${c.redis_error ?? 'unknown error'}): run \`recsys kill-switch sync\``

/** `recsys kill-switch engage|release|list|sync` (names in docs/architecture.md#kill-switches). */
export function killSwitchCommands(program: Command) {
  const ks = program
    .command('kill-switch')
    .description('Engage and release kill switches (global, or tenant:<id>:<name>)')
  examples(ks, [
    'recsys kill-switch engage edge.scorer --reason "scorer p99 over budget"',
    'recsys kill-switch engage tenant:acme:edge.force_tier --value global_popular --reason "drill"',
    'recsys kill-switch release edge.scorer --reason "scorer recovered"',
    'recsys kill-switch list',
  ])

  ks.command('engage <name>')
    .description(
      'Turn the named thing off: edge.scorer, edge.edge_model, edge.personalization, edge.force_tier, source.<id>, surface.<id>',
    )
    .option('--value <v>', 'a value for switches that take one (edge.force_tier: a tier)')
    .addOption(reasonOption(true))
    .action(
      act<{ value?: string; reason: string }>(async (ctx, o, [name]) => {
        const r = await ctx.api.call<Change>('POST', switchPath(name!, 'engage'), {
          json: { value: o.value, reason: o.reason },
        })
        ctx.out(
          r,
          () =>
            `engaged ${r.state.name}${r.state.value ? ` = ${r.state.value}` : ''}: ${pushed(r)}`,
        )
        if (r.redis === 'pending') process.exitCode = 3
      }),
    )

  ks.command('release <name>')
    .description('Release an engaged switch')
    .addOption(reasonOption(true))
    .action(
      act<{ reason: string }>(async (ctx, o, [name]) => {
        const r = await ctx.api.call<Change>('POST', switchPath(name!, 'release'), {
          json: { reason: o.reason },
        })
        ctx.out(r, () => `released ${r.state.name}: ${pushed(r)}`)
        if (r.redis === 'pending') process.exitCode = 3
      }),
    )

  ks.command('list')
    .description('Every switch the control plane knows, engaged or released')
    .action(
      act(async (ctx) => {
        const r = await ctx.api.call<{ switches: Switch[] }>('GET', '/v1/kill-switches')
        ctx.out(r, () =>
          table(r.switches, [
            ['name', 'name'],
            ['engaged', 'engaged'],
            ['value', 'value'],
            ['reason', 'reason'],
            ['by', 'actor'],
            ['updated', 'updated_at'],
          ]),
        )
      }),
    )

  ks.command('sync')
    .description('Make Upstash match Postgres (after a push that was left pending)')
    .action(
      act(async (ctx) => {
        const r = await ctx.api.call<{
          set: string[]
          removed: string[]
          tombstones_pushed?: number
        }>('POST', '/v1/kill-switches/sync')
        const tombs = r.tombstones_pushed ?? 0
        ctx.out(r, () =>
          r.set.length || r.removed.length || tombs
            ? `synced: set ${r.set.join(', ') || 'none'}; removed ${r.removed.join(', ') || 'none'}; ` +
              `tombstones pushed ${tombs}`
            : 'in sync: nothing to change',
        )
      }),
    )
}
