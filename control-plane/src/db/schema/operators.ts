import { boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { timestamps } from './columns'
import { operatorRole } from './enums'

/** People and automations that call the operator API, with one role each. */
export const operators = pgTable('operators', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: operatorRole('role').notNull(),
  /** SHA-256 of the operator's bearer token. */
  token_hash: text('token_hash').notNull().unique(),
  disabled: boolean('disabled').notNull().default(false),
  /** When the token stops signing in; null: never (the bootstrap admin, operators created before expiry). */
  expires_at: timestamp('expires_at', { withTimezone: true }),
  ...timestamps,
})
