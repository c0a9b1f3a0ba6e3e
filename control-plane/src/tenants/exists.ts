import { err, ok, type Result } from '@recsys/shared'
import { eq } from 'drizzle-orm'
import type { Database } from '../db/client'
import { tenants } from '../db/schema/index'

/** A change for a tenant that does not exist: NOT_FOUND, before anything is written. */
export type UnknownTenant = { code: 'NOT_FOUND'; message: string }

/** Ok when the tenant exists, else the NOT_FOUND every service answers for an unknown tenant id. */
export async function tenantExists(
  db: Pick<Database, 'select'>,
  tenant: string,
): Promise<Result<true, UnknownTenant>> {
  const [t] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant))
  return t ? ok(true) : err({ code: 'NOT_FOUND', message: `tenant ${tenant} does not exist` })
}
