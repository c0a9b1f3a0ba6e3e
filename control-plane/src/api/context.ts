import type { Redis } from '@upstash/redis'
import type { Actor } from '../audit/write'
import type { Database } from '../db/client'
import type { EdgeBlobWriter } from '../publish/edge-blobs'
import type { EdgeStoreWriter } from '../publish/edge-store'
import type { ScorerStoreWriter } from '../publish/scorer-store'
import type { BlobStore } from '../registry/blob-store'
import type { ModelCheck } from '../registry/gates'
import type { ApiLimits } from './limits'

/** Everything the operator API's handlers use; built once by the server, injected by tests. */
export interface ControlPlaneServices {
  db: Database
  blobs: BlobStore
  /** `@upstash/redis` client (automaticDeserialization: false): kill switches and tombstones. */
  redis: Redis
  edge: EdgeStoreWriter
  /** The edge's artifact bucket (R2): where a release's edge model goes. */
  edgeBlobs?: EdgeBlobWriter
  scorer?: ScorerStoreWriter
  modelCheck?: ModelCheck
  /** Request limits over the defaults (`DEFAULT_LIMITS`). */
  limits?: Partial<ApiLimits>
  /**
   * The directories `movielens:<dir>` and `log:<dir>` datasets must lie under (absolute). None: only `synthetic`.
   */
  datasetRoots?: readonly string[]
  /** How long a new or rotated operator token is valid (ms). Default: `DEFAULT_OPERATOR_TOKEN_TTL_MS`. */
  operatorTokenTtlMs?: number
  log?: (line: Record<string, unknown>) => void
}

export interface ApiEnv {
  Variables: {
    services: ControlPlaneServices
    actor: Actor
    request_id: string
  }
}
