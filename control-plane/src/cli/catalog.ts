import { extname } from 'node:path'
import type { Command } from 'commander'
import { usageError } from './cli-error'
import { act } from './context'
import { table } from './format'
import { examples, int, reasonOption, tenantOption } from './options'
import { readInput } from './read-file'

/** Catalog files the API takes, by extension. */
const FORMATS: Record<string, string> = {
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.jsonl': 'application/x-ndjson',
}

const catalogPath = (tenant: string) => `/v1/tenants/${encodeURIComponent(tenant)}/catalog`

/** `recsys catalog import|list`. */
export function catalogCommands(program: Command) {
  const catalog = program
    .command('catalog')
    .description("Import and page through a tenant's catalog")
  examples(catalog, [
    'recsys catalog import --tenant acme items.json      # {"items": [{"item_id": "sku-1", ...}]}',
    'recsys catalog import --tenant acme items.ndjson    # one item per line',
    'recsys catalog list --tenant acme --limit 20',
  ])

  catalog
    .command('import <file>')
    .description(
      'Upsert catalog items from .json ({"items": [...]}) or .ndjson/.jsonl, all or nothing',
    )
    .addOption(tenantOption())
    .addOption(reasonOption(false))
    .action(
      act<{ tenant: string; reason?: string }>(async (ctx, o, [file]) => {
        const type = FORMATS[extname(file!).toLowerCase()]
        if (!type)
          throw usageError(
            `unsupported catalog file ${file}: give a .json file with {"items": [...]} or a .ndjson/.jsonl ` +
              `file with one item per line`,
          )
        const body = await readInput(file!)
        const r = await ctx.api.call<{ tenant: string; upserted: number; total: number }>(
          'POST',
          catalogPath(o.tenant),
          { body, contentType: type, query: { reason: o.reason } },
        )
        ctx.out(
          r,
          () => `imported ${r.upserted} items into ${r.tenant} (${r.total} in its catalog)`,
        )
      }),
    )

  catalog
    .command('list')
    .description('Page through catalog items')
    .addOption(tenantOption())
    .option('--limit <n>', 'items per page (1–1000)', int, 100)
    .option('--offset <n>', 'items to skip', int, 0)
    .action(
      act<{ tenant: string; limit: number; offset: number }>(async (ctx, o) => {
        const r = await ctx.api.call<{ total: number; items: Array<Record<string, unknown>> }>(
          'GET',
          catalogPath(o.tenant),
          { query: { limit: o.limit, offset: o.offset } },
        )
        ctx.out(r, () => {
          const shown = r.items.length
            ? `items ${o.offset + 1}–${o.offset + r.items.length} of ${r.total}`
            : `no items at offset ${o.offset} (${r.total} in the catalog)`
          const rows = table(r.items, [
            ['item', 'item_id'],
            ['title', 'title'],
            ['categories', 'categories'],
            ['available', 'available'],
            ['sponsored', 'sponsored'],
            ['safe', 'safe'],
            ['min age', 'min_age'],
            ['published', 'published_at'],
          ])
          return r.items.length ? `${rows}\n${shown}` : shown
        })
      }),
    )
}
