import { bigserial, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { pointerAction } from './enums'
import { releases } from './releases'
import { tenants } from './tenants'

/** The release each tenant serves now: one row per tenant, flipped in one transaction. */
export const releasePointers = pgTable('release_pointers', {
  tenant_id: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  release_id: text('release_id')
    .notNull()
    .references(() => releases.id),
  updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Every move of a pointer (publish or rollback), append-only. */
export const releasePointerHistory = pgTable(
  'release_pointer_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    from_release: text('from_release'),
    to_release: text('to_release')
      .notNull()
      .references(() => releases.id),
    action: pointerAction('action').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('release_pointer_history_tenant_idx').on(t.tenant_id, t.at)],
)
