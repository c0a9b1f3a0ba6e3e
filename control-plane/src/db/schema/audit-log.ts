import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { operatorRole } from './enums'

/** Every mutation: who, what, why, and the state before and after. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    role: operatorRole('role').notNull(),
    action: text('action').notNull(),
    tenant_id: text('tenant_id'),
    target: text('target').notNull(),
    reason: text('reason').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    request_id: text('request_id'),
  },
  (t) => [
    index('audit_log_tenant_at_idx').on(t.tenant_id, t.at),
    index('audit_log_action_idx').on(t.action),
  ],
)
