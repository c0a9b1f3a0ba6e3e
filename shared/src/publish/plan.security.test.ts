import { describe, expect, it } from 'vitest'
import type { Slate } from '../contracts/artifacts'
import { planRelease, type ReleaseSpec } from './plan'

/**
 * Issue 18, finding 8: the plan wrote item and user ids as keys of plain objects, so the id `__proto__` replaced
 * the document's prototype instead of becoming a key (the item vanished from its shard, and every other lookup on
 * the document read that item's fields). Failed on the code before the fix.
 */
const PROTO = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']
const slate = (ids: string[]): Slate => ({ items: ids.map((item_id) => ({ item_id })) })

const spec: ReleaseSpec = {
  tenant: 't1',
  release: 'r1',
  created_at: '2026-01-01T00:00:00Z',
  model_version: 'm',
  rules_version: 'r',
  config: { tenant: 't1', surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
  // Built as JSON is parsed, so `__proto__` is an own key here as in an imported catalog.
  catalog: JSON.parse(
    JSON.stringify(Object.fromEntries([...PROTO, 'a'].map((id) => [id, { categories: [id] }]))),
  ),
  catalog_shards: 1,
  denylist: [],
  rules: {},
  popular: [{ surface: 'home_feed', slate: slate(['a']) }],
  user_slates: PROTO.map((user_id) => ({ surface: 'home_feed', user_id, slate: slate([user_id]) })),
  user_slate_pages: 1,
}

describe('planRelease with ids named after Object.prototype members', () => {
  it('writes each as an own key of its shard and page, and the documents have no inherited members', () => {
    const plan = planRelease(spec)
    const shard = plan.blobs.find((b) => b.key.includes(':catalog:'))!.value as {
      items: Record<string, { categories: string[] }>
    }
    const page = plan.blobs.find((b) => b.key.includes(':slate:'))!.value as {
      users: Record<string, Slate>
    }
    // As written to the store (JSON), every id is there with its own value.
    const stored = JSON.parse(JSON.stringify({ shard, page }))
    for (const id of [...PROTO, 'a']) {
      expect(Object.hasOwn(stored.shard.items, id), id).toBe(true)
      expect(stored.shard.items[id].categories).toEqual([id])
    }
    for (const id of PROTO) {
      expect(Object.hasOwn(stored.page.users, id), id).toBe(true)
      expect(stored.page.users[id].items).toEqual([{ item_id: id }])
    }
    expect(Object.keys(stored.shard.items).sort()).toEqual([...PROTO, 'a'].sort())
    // A lookup of an absent id finds nothing inherited.
    expect('isPrototypeOf' in shard.items).toBe(false)
  })
})
