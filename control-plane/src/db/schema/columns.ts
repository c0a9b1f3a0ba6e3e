import { timestamp } from 'drizzle-orm/pg-core'

/** Creation and update times, spread into tables that change. */
export const timestamps = {
  created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}

/** Creation time only, for append-only tables. */
export const createdAt = {
  created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}
