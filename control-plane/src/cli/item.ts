import type { Command } from 'commander'
import { act } from './context'
import { table } from './format'
import { examples, reasonOption, tenantOption } from './options'

const tombstonesPath = (tenant: string) => `/v1/tenants/${encodeURIComponent(tenant)}/tombstones`

/** `recsys item tombstone|tombstones`: take items down everywhere, now. */
export function itemCommands(program: Command) {
  const item = program.command('item').description('Take items down everywhere (tombstones)')
  examples(item, [
    'recsys item tombstone sku-123 --tenant acme --reason "legal takedown #4411"',
    'recsys item tombstones --tenant acme',
  ])

  item
    .command('tombstone <item_id>')
    .description(
      'Remove an item from every response within 2 s; the next release adds it to its denylist',
    )
    .addOption(tenantOption())
    .addOption(reasonOption(true))
    .action(
      act<{ tenant: string; reason: string }>(async (ctx, o, [itemId]) => {
        const r = await ctx.api.call<{ created: boolean; redis: string; redis_error?: string }>(
          'POST',
          tombstonesPath(o.tenant),
          { json: { item_id: itemId, reason: o.reason } },
        )
        const what = `${r.created ? 'tombstoned' : 'already tombstoned:'} ${itemId} in ${o.tenant}`
        ctx.out(r, () =>
          r.redis === 'pushed'
            ? `${what}; edges drop it within 2 s`
            : `${what} (recorded), but NOT pushed to Upstash yet (${r.redis_error ?? 'unknown error'}); ` +
              `the control plane's reconciler pushes it within 10 s (or run \`recsys kill-switch sync\`)`,
        )
        if (r.redis !== 'pushed') process.exitCode = 3
      }),
    )

  item
    .command('tombstones')
    .description('Tombstoned items, oldest first, with the release that folded each')
    .addOption(tenantOption())
    .action(
      act<{ tenant: string }>(async (ctx, o) => {
        const r = await ctx.api.call<{ tombstones: Array<Record<string, unknown>> }>(
          'GET',
          tombstonesPath(o.tenant),
        )
        ctx.out(r, () =>
          table(r.tombstones, [
            ['item', 'item_id'],
            ['reason', 'reason'],
            ['by', 'created_by'],
            ['at', 'created_at'],
            ['folded into', 'folded_into'],
          ]),
        )
      }),
    )
}
