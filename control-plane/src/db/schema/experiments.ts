import { jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { timestamps } from './columns'
import { tenants } from './tenants'

/** Experiment definitions (salt, surfaces, variants with overrides); assignment happens at the edge. */
export const experiments = pgTable(
  'experiments',
  {
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    status: text('status').notNull().default('draft'),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.tenant_id, t.id] })],
)
