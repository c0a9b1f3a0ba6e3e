import type { PrivacyMode } from '../contracts/common'
import { mostRestrictive } from '../funnel/types'

/**
 * The privacy mode of a request: the most restrictive of what the request asks, the stored consent, and the
 * personalization kill switch. Unknown consent (never stored, or user state unreadable) falls back to the
 * tenant's default, which is `non_personalized` unless the tenant says otherwise.
 */
export function resolvePrivacy(input: {
  requested?: PrivacyMode
  consent: boolean | undefined
  consentDefault: PrivacyMode
  personalizationKilled: boolean
}): PrivacyMode {
  const fromConsent: PrivacyMode =
    input.consent === true
      ? 'personalized'
      : input.consent === false
        ? 'non_personalized'
        : input.consentDefault
  return mostRestrictive(
    input.requested ?? 'personalized',
    fromConsent,
    input.personalizationKilled ? 'contextual_only' : 'personalized',
  )
}
