import type { PrivacyMode, RequestContext, UserState } from '@recsys/shared'

/** Most session items a request carries forward (its own, then the user's recent ones). */
const SESSION_MAX = 100

/**
 * The session context of a request, newest first, each item once: the request's `context.session_item_ids`, then
 * the user's recent items from real-time state (views and clicks, `POST /v1/events`). Stored recent items are
 * personal data: only in personalized mode; the request's own items also in contextual-only mode.
 */
export function sessionItems(
  context: RequestContext,
  user: UserState | undefined,
  privacy: PrivacyMode,
): string[] {
  if (privacy === 'non_personalized') return []
  const out = new Set(context.session_item_ids ?? [])
  if (privacy === 'personalized') for (const id of user?.recentItems ?? []) out.add(id)
  return [...out].slice(0, SESSION_MAX)
}
