import type { MiddlewareHandler } from 'hono'
import { ApiKeyRecord, kvKeys, type ApiKeyRecord as ApiKey } from '@recsys/shared'
import { ApiError } from '../errors'
import { sha256Hex } from '../util/sha256'
import type { AppEnv } from '../app-env'

/** How long an isolate trusts a key lookup (revocation reaches every edge within this). */
const KEY_TTL_MS = 10_000

/**
 * Tenant API keys: `Authorization: Bearer <key>`, looked up by SHA-256 in the edge store.
 * The key decides the tenant; nothing in a request can name another.
 */
export const apiKeyAuth = (): MiddlewareHandler<AppEnv> =>
  async function apiKeyAuth(c, next) {
    const header = c.req.header('authorization') ?? ''
    const m = /^Bearer\s+(\S{8,256})$/i.exec(header)
    if (!m) throw new ApiError('UNAUTHORIZED', 'missing or malformed bearer token')
    const hash = await sha256Hex(m[1]!)
    let record: ApiKey | null
    try {
      record = await c.var.services.store.getMutable(kvKeys.apiKey(hash), ApiKeyRecord, KEY_TTL_MS)
    } catch {
      throw new ApiError('UNAVAILABLE', 'key store unreadable')
    }
    if (!record || record.disabled)
      throw new ApiError('UNAUTHORIZED', 'unknown or disabled API key')
    c.set('apiKey', record)
    await next()
  }
