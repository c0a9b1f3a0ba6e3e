import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { artifactVersions } from './artifact-versions'
import { releases } from './releases'

/** Which artifact versions a release is made of. */
export const releaseArtifacts = pgTable(
  'release_artifacts',
  {
    release_id: text('release_id')
      .notNull()
      .references(() => releases.id),
    artifact_version_id: integer('artifact_version_id')
      .notNull()
      .references(() => artifactVersions.id),
  },
  (t) => [primaryKey({ columns: [t.release_id, t.artifact_version_id] })],
)
