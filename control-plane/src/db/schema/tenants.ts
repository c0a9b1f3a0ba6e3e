import { pgTable, text } from 'drizzle-orm/pg-core'
import { timestamps } from './columns'

/** A tenant: the unit of isolation of every other table and of every store key. */
export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Privacy mode for users with no stored consent (edge default: non_personalized). */
  consent_default: text('consent_default').notNull().default('non_personalized'),
  ...timestamps,
})
