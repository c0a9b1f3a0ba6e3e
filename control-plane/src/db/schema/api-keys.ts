import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { createdAt } from './columns'
import { tenants } from './tenants'

/** Tenant API keys, stored as SHA-256 hashes; the clear key is shown once. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    key_hash: text('key_hash').notNull().unique(),
    /** First characters of the key, to recognise it in listings. */
    prefix: text('prefix').notNull(),
    permissions: text('permissions').array().notNull(),
    created_by: text('created_by').notNull(),
    revoked_at: timestamp('revoked_at', { withTimezone: true }),
    ...createdAt,
  },
  (t) => [index('api_keys_tenant_idx').on(t.tenant_id)],
)
