import { describe, expect, it } from 'vitest'
import { ItemSignalTable, itemSignals, type ItemSignalSource } from './item-signals'

const source: ItemSignalSource = {
  catalog: new Map([
    [
      'a',
      {
        available: true,
        categories: ['x'],
        min_age: 0,
        published_at: 5,
        sponsored: false,
        safe: true,
      },
    ],
    ['b', { available: true, categories: [], min_age: 0, sponsored: false, safe: true }],
  ]),
  index: undefined,
  trendingSignal: new Map([['a', 0.5]]),
  popularity: new Map([
    ['home', new Map([['b', 0.9]])],
    ['other', new Map([['a', 0.1]])],
  ]),
}

describe('ItemSignalTable', () => {
  it('gives what itemSignals computes afresh, per surface, and the same object on later requests', () => {
    const t = new ItemSignalTable(source)
    for (const surface of ['home', 'other', 'no-list'])
      for (const id of ['a', 'b', 'missing']) {
        const get = t.forSurface(surface)
        expect(get(id)).toEqual(itemSignals(source, surface, id))
        expect(t.forSurface(surface)(id)).toBe(get(id))
      }
    expect(t.forSurface('home')('b').popularity).toBe(0.9)
    expect(t.forSurface('other')('b').popularity).toBe(0)
  })
})
