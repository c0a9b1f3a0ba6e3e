import { pgTable, serial, text, unique } from 'drizzle-orm/pg-core'
import { createdAt } from './columns'
import { artifactKind } from './enums'
import { tenants } from './tenants'

/** A named artifact of a tenant (e.g. the `home_feed` slates); its content lives in versions. */
export const artifacts = pgTable(
  'artifacts',
  {
    id: serial('id').primaryKey(),
    tenant_id: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kind: artifactKind('kind').notNull(),
    name: text('name').notNull(),
    ...createdAt,
  },
  (t) => [unique('artifacts_tenant_kind_name').on(t.tenant_id, t.kind, t.name)],
)
