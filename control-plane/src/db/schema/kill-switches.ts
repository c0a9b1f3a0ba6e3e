import { bigserial, boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/** Current state of each kill switch (global name, or `tenant:<id>:<name>`). */
export const killSwitches = pgTable('kill_switches', {
  name: text('name').primaryKey(),
  engaged: boolean('engaged').notNull(),
  value: text('value'),
  reason: text('reason').notNull(),
  actor: text('actor').notNull(),
  updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Every engage and release, append-only. */
export const killSwitchHistory = pgTable('kill_switch_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull(),
  engaged: boolean('engaged').notNull(),
  value: text('value'),
  reason: text('reason').notNull(),
  actor: text('actor').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
})
