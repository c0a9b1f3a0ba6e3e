import { z } from 'zod'

/**
 * Identifier used for tenants, users, items, surfaces: printable, no separators used in store keys.
 * @note `.` and `..` are refused: ids are path segments in file stores, where they would name the folder itself or
 * its parent.
 */
export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^(?!\.\.?$)[A-Za-z0-9._~@+=-]+$/,
    'ids use letters, digits and . _ ~ @ + = - only, and are not "." or ".."',
  )

/** An ISO 3166-1 alpha-2 country code, in any case; parsed to upper case. */
export const CountryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2')
  .transform((s) => s.toUpperCase())

/** The tiers of the fallback ladder, in order (docs/architecture.md#tier-ladder). Stable names. */
export const TIERS = [
  'ranked',
  'edge_rescored',
  'cached_user',
  'segment',
  'global_popular',
  'emergency',
] as const
export const Tier = z.enum(TIERS)
export type Tier = z.infer<typeof Tier>

/** Privacy modes, most permissive first. */
export const PRIVACY_MODES = ['personalized', 'contextual_only', 'non_personalized'] as const
export const PrivacyMode = z.enum(PRIVACY_MODES)
export type PrivacyMode = z.infer<typeof PrivacyMode>

/** Closed list of error codes and the HTTP status each one maps to on the wire. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const
export type ErrorCode = keyof typeof ERROR_STATUS
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]])

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' })
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>
