import { describe, expect, it } from 'vitest'
import {
  EventsRequest,
  LIMIT_DEFAULT,
  LIMIT_MAX,
  RecommendationQuery,
  RecommendationRequest,
  Subject,
  TrackedEvent,
} from './api'

const base = { surface: 'home_feed', subject: { user_id: 'u-123' } }

describe('RecommendationRequest', () => {
  it('defaults limit to 20, context to {} and debug to false', () => {
    const r = RecommendationRequest.parse(base)
    expect(r).toEqual({
      surface: 'home_feed',
      subject: { user_id: 'u-123' },
      context: {},
      limit: 20,
      debug: false,
    })
    expect(LIMIT_DEFAULT).toBe(20)
    expect(LIMIT_MAX).toBe(100)
  })

  it('accepts the full example of docs/api.md', () => {
    const r = RecommendationRequest.parse({
      request_id: 'req-1',
      surface: 'related_items',
      subject: { anonymous_id: 'anon-7' },
      context: {
        item_id: 'i-1',
        session_item_ids: ['i-1', 'i-2'],
        device: 'mobile',
        locale: 'en-US',
        country: 'us',
      },
      privacy_mode: 'contextual_only',
      limit: 5,
      debug: true,
    })
    expect(r.context.country).toBe('US')
    expect(r.limit).toBe(5)
  })

  it.each([1, 2, 99, 100])('accepts limit %d', (limit) => {
    expect(RecommendationRequest.parse({ ...base, limit }).limit).toBe(limit)
  })

  it.each([0, -1, 101, 1000, 1.5, '20', null])('rejects limit %j', (limit) => {
    expect(RecommendationRequest.safeParse({ ...base, limit }).success).toBe(false)
  })

  it.each([
    ['no subject', { surface: 'home_feed' }],
    ['both ids', { ...base, subject: { user_id: 'u', anonymous_id: 'a' } }],
    ['neither id', { ...base, subject: {} }],
    ['an extra subject key', { ...base, subject: { user_id: 'u', tenant: 'other' } }],
    ['an empty user id', { ...base, subject: { user_id: '' } }],
    ['a separator in the user id', { ...base, subject: { user_id: 'u:1' } }],
    ['an unknown top-level key', { ...base, tenant: 'other' }],
    ['an unknown context key', { ...base, context: { tenant: 'other' } }],
    ['an unknown privacy mode', { ...base, privacy_mode: 'full' }],
    ['a bad country', { ...base, context: { country: 'USA' } }],
    [
      'too many session items',
      { ...base, context: { session_item_ids: Array.from({ length: 51 }, (_, i) => `i${i}`) } },
    ],
    ['no surface', { subject: { user_id: 'u' } }],
  ])('rejects a request with %s', (_what, body) => {
    expect(RecommendationRequest.safeParse(body).success).toBe(false)
  })

  it('takes exactly one of user_id or anonymous_id as the subject', () => {
    expect(Subject.parse({ user_id: 'u' })).toEqual({ user_id: 'u' })
    expect(Subject.parse({ anonymous_id: 'a' })).toEqual({ anonymous_id: 'a' })
    expect(Subject.safeParse({ user_id: 'u', anonymous_id: 'a' }).success).toBe(false)
  })
})

describe('RecommendationQuery', () => {
  it('coerces limit and needs exactly one subject id', () => {
    expect(
      RecommendationQuery.parse({ surface: 'home_feed', user_id: 'u', limit: '7' }).limit,
    ).toBe(7)
    expect(RecommendationQuery.safeParse({ surface: 'home_feed' }).success).toBe(false)
    expect(
      RecommendationQuery.safeParse({ surface: 'home_feed', user_id: 'u', anonymous_id: 'a' })
        .success,
    ).toBe(false)
    expect(
      RecommendationQuery.safeParse({ surface: 'home_feed', user_id: 'u', limit: '101' }).success,
    ).toBe(false)
    expect(
      RecommendationQuery.safeParse({ surface: 'home_feed', user_id: 'u', tenant: 'x' }).success,
    ).toBe(false)
  })
})

describe('TrackedEvent', () => {
  const event = {
    event_id: 'e-1',
    user_id: 'u-123',
    item_id: 'i-9',
    event_time: '2026-11-21T10:00:00Z',
  }

  it.each(['impression', 'click'])('requires a tracking token for %s', (type) => {
    const r = TrackedEvent.safeParse({ ...event, type })
    expect(r.success).toBe(false)
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain('tracking_token')
    expect(TrackedEvent.safeParse({ ...event, type, tracking_token: 'tok' }).success).toBe(true)
  })

  it.each(['conversion', 'hide', 'view'])('does not require a tracking token for %s', (type) => {
    expect(TrackedEvent.safeParse({ ...event, type }).success).toBe(true)
  })

  it.each([
    ['an unknown type', { type: 'purchase' }],
    ['a time without offset', { type: 'view', event_time: '2026-11-21 10:00' }],
    ['an empty event id', { type: 'view', event_id: '' }],
    ['an unknown key', { type: 'view', tenant: 'other' }],
    ['an over-long token', { type: 'click', tracking_token: 'x'.repeat(1025) }],
  ])('rejects an event with %s', (_what, over) => {
    expect(TrackedEvent.safeParse({ ...event, ...over }).success).toBe(false)
  })

  it('accepts a time with an offset', () => {
    expect(
      TrackedEvent.safeParse({ ...event, type: 'view', event_time: '2026-11-21T10:00:00+01:00' })
        .success,
    ).toBe(true)
  })
})

describe('EventsRequest', () => {
  it('takes 1 to 500 events', () => {
    expect(EventsRequest.safeParse({ events: [] }).success).toBe(false)
    expect(EventsRequest.safeParse({ events: new Array(500).fill({}) }).success).toBe(true)
    expect(EventsRequest.safeParse({ events: new Array(501).fill({}) }).success).toBe(false)
  })
})
