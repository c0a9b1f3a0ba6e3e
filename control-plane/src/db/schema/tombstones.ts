import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { createdAt } from './columns'
import { tenants } from './tenants'

/** Items removed in real time; the next release folds them into its denylist. */
export const tombstones = pgTable(
  'tombstones',
  {
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    item_id: text('item_id').notNull(),
    reason: text('reason').notNull(),
    created_by: text('created_by').notNull(),
    /** The release whose denylist includes it, once one does. */
    folded_into: text('folded_into'),
    ...createdAt,
  },
  (t) => [primaryKey({ columns: [t.tenant_id, t.item_id] })],
)
