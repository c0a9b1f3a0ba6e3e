import { InvalidArgumentError, type Command } from 'commander'
import { act } from './context'
import { table } from './format'
import { examples, int } from './options'

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }

/** `--since`: a duration back from now (`90s`, `15m`, `2h`, `7d`) or a date/time; sent as ISO 8601. */
export function parseSince(v: string, now = Date.now()): string {
  const m = /^(\d+)([smhd])$/.exec(v.trim())
  if (m) return new Date(now - Number(m[1]) * UNIT_MS[m[2]!]!).toISOString()
  const t = Date.parse(v)
  if (Number.isNaN(t))
    throw new InvalidArgumentError(
      'expected a duration (30m, 2h, 7d) or a date (2026-11-21T08:00Z)',
    )
  return new Date(t).toISOString()
}

/** `recsys audit`: who changed what, when and why. */
export function auditCommand(program: Command) {
  const audit = program
    .command('audit')
    .description('Query the audit log, newest first')
    .option('--tenant <id>', 'only this tenant')
    .option('--actor <id>', 'only this operator')
    .option('--action <action>', 'exact action, or a prefix ending in * (kill_switch.*)')
    .option(
      '--since <when>',
      'a duration back from now (30m, 2h, 7d) or a date/time',
      (v: string) => parseSince(v),
    )
    .option('--limit <n>', 'at most this many rows (1–1000)', int, 50)
    .action(
      act<{ tenant?: string; actor?: string; action?: string; since?: string; limit: number }>(
        async (ctx, o) => {
          const r = await ctx.api.call<{ entries: Array<Record<string, unknown>> }>(
            'GET',
            '/v1/audit',
            { query: o },
          )
          ctx.out(r, () =>
            table(r.entries, [
              ['at', 'at'],
              ['actor', 'actor'],
              ['role', 'role'],
              ['action', 'action'],
              ['tenant', 'tenant_id'],
              ['target', 'target'],
              ['reason', 'reason'],
            ]),
          )
        },
      ),
    )
  examples(audit, [
    'recsys audit --tenant acme --since 24h',
    "recsys audit --action 'kill_switch.*' --limit 20 --json",
  ])
}
