import { redisKeys, USER_STATE } from '@recsys/shared'

/** One write of an event to its user's state. */
export type StateOp =
  { op: 'imp'; score: number; member: string } | { op: 'hide' | 'seen' | 'recent'; item: string }

/** Keys of one user that the script touches, in the script's order. */
const userKeys = (tenant: string, subject: string) => [
  redisKeys.deletionFence(tenant, subject),
  redisKeys.profile(tenant, subject),
  redisKeys.impressions(tenant, subject),
  redisKeys.recent(tenant, subject),
  redisKeys.suppressedItems(tenant, subject),
  redisKeys.seen(tenant, subject),
]
const KEYS_PER_USER = 6

/**
 * Applies a call's writes to each user's state in one atomic step (Lua), checking the user's deletion fence and
 * stored consent as they are at that moment, not as the call read them earlier:
 * - a user deleted after the call's ingestion time gets nothing (the batch drops those events too), so a deletion
 *   that lands while the call is in flight is not undone;
 * - recent items (session context) are not written for a user whose consent is `false` now.
 * Bounds and TTLs: impressions trimmed to the window and the cap, recent items to their cap, hidden and consumed
 * items to theirs (random earlier members evicted, never this call's), each written key's TTL refreshed.
 */
const SCRIPT = `
local now = tonumber(ARGV[1])
local a = 11
-- Trims a set to max members by evicting random ones, never one written by this call (keep).
local function cap(key, max, keep)
  local over = redis.call('SCARD', key) - max
  for _ = 1, 64 do
    if over <= 0 then break end
    local back = 0
    for _, m in ipairs(redis.call('SPOP', key, over)) do
      if keep[m] then
        redis.call('SADD', key, m)
        back = back + 1
      end
    end
    over = back
  end
end
for u = 0, #KEYS / ${KEYS_PER_USER} - 1 do
  local k = u * ${KEYS_PER_USER}
  local imps, recent, supp, seen = KEYS[k + 3], KEYS[k + 4], KEYS[k + 5], KEYS[k + 6]
  local deletedAt = tonumber(redis.call('GET', KEYS[k + 1]) or '')
  local live = deletedAt == nil or now >= deletedAt
  local keepRecent = redis.call('HGET', KEYS[k + 2], 'consent') ~= '0'
  local n = tonumber(ARGV[a])
  a = a + 1
  local t = {}
  local hidden, consumed = {}, {}
  for _ = 1, n do
    local op, x, y = ARGV[a], ARGV[a + 1], ARGV[a + 2]
    a = a + 3
    if live then
      if op == 'imp' then
        redis.call('ZADD', imps, x, y)
        t.imps = true
      elseif op == 'hide' then
        redis.call('SADD', supp, x)
        hidden[x] = true
        t.supp = true
      elseif op == 'seen' then
        redis.call('SADD', seen, x)
        consumed[x] = true
        t.seen = true
      elseif op == 'recent' and keepRecent then
        redis.call('LREM', recent, 0, x)
        redis.call('LPUSH', recent, x)
        t.recent = true
      end
    end
  end
  if t.imps then
    redis.call('ZREMRANGEBYSCORE', imps, '-inf', '(' .. ARGV[2])
    redis.call('ZREMRANGEBYRANK', imps, 0, -(tonumber(ARGV[4]) + 1))
    redis.call('EXPIRE', imps, ARGV[3])
  end
  if t.recent then
    redis.call('LTRIM', recent, 0, tonumber(ARGV[5]) - 1)
    redis.call('EXPIRE', recent, ARGV[6])
  end
  if t.supp then
    cap(supp, tonumber(ARGV[9]), hidden)
    redis.call('EXPIRE', supp, ARGV[7])
  end
  if t.seen then
    cap(seen, tonumber(ARGV[10]), consumed)
    redis.call('EXPIRE', seen, ARGV[8])
  end
end
return 0
`

/**
 * The script and its keys and arguments for `ops` (per subject, in the order they are to be applied); `now` is
 * the call's ingestion time (ms).
 */
export function applyScript(
  tenant: string,
  ops: ReadonlyMap<string, readonly StateOp[]>,
  now: number,
): { script: string; keys: string[]; args: string[] } {
  const keys: string[] = []
  const args = [
    now,
    now - USER_STATE.impressionWindowMs,
    USER_STATE.impressionsTtlS,
    USER_STATE.impressionsMax,
    USER_STATE.recentMax,
    USER_STATE.recentTtlS,
    USER_STATE.suppressionTtlS,
    USER_STATE.seenTtlS,
    USER_STATE.suppressedMax,
    USER_STATE.seenMax,
  ].map(String)
  for (const [subject, list] of ops) {
    keys.push(...userKeys(tenant, subject))
    args.push(String(list.length))
    for (const o of list)
      args.push(o.op, ...(o.op === 'imp' ? [String(o.score), o.member] : [o.item, '']))
  }
  return { script: SCRIPT, keys, args }
}
