import { ARTIFACT_KINDS } from '@recsys/shared'
import { pgEnum } from 'drizzle-orm/pg-core'

/** Operator roles (docs/control-plane.md#roles). */
export const operatorRole = pgEnum('operator_role', ['viewer', 'operator', 'sre', 'admin'])

/** Artifact kinds (docs/architecture.md#artifacts-and-releases). */
export const artifactKind = pgEnum('artifact_kind', ARTIFACT_KINDS)

export const surfaceKind = pgEnum('surface_kind', ['personalized', 'item_anchored'])

/** What moved a tenant's release pointer. */
export const pointerAction = pgEnum('pointer_action', ['publish', 'rollback'])
