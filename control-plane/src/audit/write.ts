import type { Database } from '../db/client'
import { auditLog } from '../db/schema/index'

/** Who is acting, as the operator API authenticated them. */
export interface Actor {
  id: string
  role: 'viewer' | 'operator' | 'sre' | 'admin'
}

export interface AuditEntry {
  actor: Actor
  /** Dotted verb, e.g. `kill_switch.engage`, `release.publish`. */
  action: string
  tenant_id?: string | null
  target: string
  reason: string
  before?: unknown
  after?: unknown
  request_id?: string
}

/** A transaction or the database itself: audit rows are written in the same transaction as the change. */
export type Tx = Pick<Database, 'insert' | 'select' | 'update' | 'delete' | 'execute'>

/** Writes one audit row (who, what, why, before and after). */
export async function writeAudit(tx: Tx, e: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    actor: e.actor.id,
    role: e.actor.role,
    action: e.action,
    tenant_id: e.tenant_id ?? null,
    target: e.target,
    reason: e.reason,
    before: e.before ?? null,
    after: e.after ?? null,
    request_id: e.request_id ?? null,
  })
}
