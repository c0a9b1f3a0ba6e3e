import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { timestamps } from './columns'
import { surfaceKind } from './enums'
import { tenants } from './tenants'

/** A tenant's surfaces (`home_feed`, `related_items`, …) and how each is served. */
export const surfaces = pgTable(
  'surfaces',
  {
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    kind: surfaceKind('kind').notNull(),
    deadline_ms: integer('deadline_ms').notNull().default(50),
    rules: text('rules').notNull().default('default'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.tenant_id, t.id] })],
)
