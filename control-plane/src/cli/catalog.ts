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
    'recsys catalog import --tenant acme --movielens ../shared/datasets/ml-latest-small',
    'recsys catalog list --tenant acme --limit 20',
  ])

  catalog
    .command('import [file]')
    .description(
      'Upsert catalog items from .json ({"items": [...]}) or .ndjson/.jsonl, or a MovieLens folder, all or nothing',
    )
    .addOption(tenantOption())
    .option(
      '--movielens <dir>',
      'import the movies of a MovieLens folder (ml-latest movies.csv or ml-100k u.item; genres become categories)',
    )
    .addOption(reasonOption(false))
    .action(
      act<{ tenant: string; movielens?: string; reason?: string }>(async (ctx, o, [file]) => {
        if (Boolean(file) === Boolean(o.movielens))
          throw usageError('give either a catalog file or --movielens <dir>, not both or neither')
        const { body, type } = file
          ? await catalogFile(file)
          : await movieLensCatalog(o.movielens!, ctx.step(`reading ${o.movielens} …`))
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

async function catalogFile(file: string): Promise<{ body: Uint8Array; type: string }> {
  const type = FORMATS[extname(file).toLowerCase()]
  if (!type)
    throw usageError(
      `unsupported catalog file ${file}: give a .json file with {"items": [...]} or a .ndjson/.jsonl ` +
        `file with one item per line`,
    )
  return { body: await readInput(file), type }
}

/**
 * A MovieLens folder's movies as catalog items, read here by the pipeline's readers (ids `m-<movieId>`, genres as
 * categories, published at the first rating), so the pipeline's `movielens:` and `log:` datasets find the same items.
 */
async function movieLensCatalog(
  dir: string,
  progress: (msg: string) => void,
): Promise<{ body: string; type: string }> {
  const { readMovieLens } = await import('@recsys/trainer/data/movielens')
  let data
  try {
    data = await readMovieLens(dir)
  } catch (e) {
    throw usageError((e as Error).message)
  }
  progress(`${data.items.length} movies`)
  // DatasetItem's fields are all catalog fields (published_at in ms).
  return { body: JSON.stringify({ items: data.items }), type: 'application/json' }
}
