import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { timestamps } from './columns'
import { tenants } from './tenants'

/** The catalog: one row per item with the flags final eligibility and rerank read. */
export const catalogItems = pgTable(
  'catalog_items',
  {
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    item_id: text('item_id').notNull(),
    title: text('title'),
    categories: text('categories').array().notNull().default([]),
    available: boolean('available').notNull().default(true),
    regions_allowed: text('regions_allowed').array(),
    regions_blocked: text('regions_blocked').array(),
    min_age: integer('min_age').notNull().default(0),
    published_at: timestamp('published_at', { withTimezone: true }),
    sponsored: boolean('sponsored').notNull().default(false),
    safe: boolean('safe').notNull().default(false),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.tenant_id, t.item_id] })],
)
