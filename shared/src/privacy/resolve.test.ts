import { describe, expect, it } from 'vitest'
import { PRIVACY_MODES, type PrivacyMode } from '../contracts/common'
import { resolvePrivacy } from './resolve'

/** Restrictiveness, from docs/architecture.md#privacy-modes: personalized < contextual_only < non_personalized. */
const RANK: Record<PrivacyMode, number> = {
  personalized: 0,
  contextual_only: 1,
  non_personalized: 2,
}
const strictest = (...ms: PrivacyMode[]) => ms.reduce((a, b) => (RANK[b] > RANK[a] ? b : a))

describe('resolvePrivacy', () => {
  it.each([
    // requested, consent, default, killed → expected
    [undefined, true, 'non_personalized', false, 'personalized'],
    [undefined, false, 'personalized', false, 'non_personalized'],
    [undefined, undefined, 'non_personalized', false, 'non_personalized'],
    [undefined, undefined, 'personalized', false, 'personalized'],
    [undefined, undefined, 'contextual_only', false, 'contextual_only'],
    ['contextual_only', true, 'non_personalized', false, 'contextual_only'],
    ['non_personalized', true, 'personalized', false, 'non_personalized'],
    ['personalized', false, 'personalized', false, 'non_personalized'],
    ['personalized', undefined, 'non_personalized', false, 'non_personalized'],
    [undefined, true, 'personalized', true, 'contextual_only'],
    ['personalized', true, 'personalized', true, 'contextual_only'],
    ['non_personalized', true, 'personalized', true, 'non_personalized'],
    [undefined, false, 'personalized', true, 'non_personalized'],
  ] as const)(
    'requested %s, consent %s, default %s, kill switch %s → %s',
    (requested, consent, def, killed, expected) => {
      expect(
        resolvePrivacy({ requested, consent, consentDefault: def, personalizationKilled: killed }),
      ).toBe(expected)
    },
  )

  it('is the most restrictive of request, consent (or default when unknown) and kill switch, over every combination', () => {
    for (const requested of [undefined, ...PRIVACY_MODES])
      for (const consent of [true, false, undefined])
        for (const consentDefault of PRIVACY_MODES)
          for (const personalizationKilled of [true, false]) {
            const fromConsent: PrivacyMode =
              consent === undefined ? consentDefault : consent ? 'personalized' : 'non_personalized'
            const expected = strictest(
              requested ?? 'personalized',
              fromConsent,
              personalizationKilled ? 'contextual_only' : 'personalized',
            )
            const got = resolvePrivacy({
              requested,
              consent,
              consentDefault,
              personalizationKilled,
            })
            expect(got).toBe(expected)
            // A request can only tighten, never loosen.
            if (requested) expect(RANK[got]).toBeGreaterThanOrEqual(RANK[requested])
            if (consent === false) expect(got).toBe('non_personalized')
            if (personalizationKilled) expect(got).not.toBe('personalized')
          }
  })
})
