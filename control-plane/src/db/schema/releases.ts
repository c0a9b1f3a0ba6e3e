import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { createdAt } from './columns'
import { tenants } from './tenants'

/** A release: a set of artifact versions of one tenant and its manifest. Immutable once written. */
export const releases = pgTable(
  'releases',
  {
    id: text('id').primaryKey(),
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    manifest: jsonb('manifest').$type<Record<string, unknown>>().notNull(),
    created_by: text('created_by').notNull(),
    note: text('note'),
    ...createdAt,
  },
  (t) => [index('releases_tenant_idx').on(t.tenant_id)],
)
