import { bigint, integer, jsonb, pgTable, serial, text, unique } from 'drizzle-orm/pg-core'
import { createdAt } from './columns'
import { artifacts } from './artifacts'

/**
 * An immutable, content-addressed version of an artifact.
 * @note Same bytes, same version: (artifact, sha256) is unique, and rows are never updated.
 */
export const artifactVersions = pgTable(
  'artifact_versions',
  {
    id: serial('id').primaryKey(),
    artifact_id: integer('artifact_id')
      .notNull()
      .references(() => artifacts.id),
    sha256: text('sha256').notNull(),
    size_bytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** Where the bytes are kept (blob store key). */
    storage_key: text('storage_key').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    created_by: text('created_by').notNull(),
    ...createdAt,
  },
  (t) => [unique('artifact_versions_artifact_sha').on(t.artifact_id, t.sha256)],
)
