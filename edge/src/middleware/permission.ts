import type { MiddlewareHandler } from 'hono'
import type { KeyPermission } from '@recsys/shared'
import type { AppEnv } from '../app-env'
import { ApiError } from '../errors'

/** Refuses (403) a request whose API key lacks `permission`; runs after `apiKeyAuth`. */
export const requirePermission = (
  permission: KeyPermission,
  { hint = '' }: { hint?: string } = {},
): MiddlewareHandler<AppEnv> =>
  async function requirePermission(c, next) {
    if (!c.var.apiKey.permissions.includes(permission))
      throw new ApiError(
        'FORBIDDEN',
        `this API key lacks the '${permission}' permission${hint ? ` (${hint})` : ''}`,
      )
    await next()
  }
