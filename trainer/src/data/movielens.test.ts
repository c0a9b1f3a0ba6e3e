import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DatasetFormatError,
  readMovieLens100k,
  readMovieLensLatest,
  splitCsvLine,
} from './movielens'

const root = mkdtempSync(join(tmpdir(), 'movielens-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let n = 0
function folder(files: Record<string, string | Buffer>): string {
  const dir = join(root, String(n++))
  mkdirSync(dir)
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body)
  return dir
}

const movies = [
  'movieId,title,genres',
  '1,Toy Story (1995),Adventure|Animation',
  '2,"American President, The (1995)",Comedy|Drama|Romance',
  '3,"11\'09""01 - September 11 (2002)",Drama',
  '4,Unrated Film,(no genres listed)',
].join('\n')
const ratings = [
  'userId,movieId,rating,timestamp',
  '7,2,4.5,1000',
  '7,1,2.0,900',
  '8,2,5.0,1100',
  '',
].join('\r\n')

describe('splitCsvLine', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('1,"a, b",c')).toEqual(['1', 'a, b', 'c'])
    expect(splitCsvLine('"x""y",,')).toEqual(['x"y', '', ''])
    expect(splitCsvLine('"open')).toBeNull()
    expect(splitCsvLine('"a"b,c')).toBeNull()
  })
})

describe('readMovieLensLatest', () => {
  it('maps movies and ratings to items, users and weighted interactions in time order', async () => {
    const dir = folder({ 'movies.csv': movies, 'ratings.csv': ratings })
    const data = await readMovieLensLatest(dir)
    expect(data.items.map((i) => [i.item_id, i.title, i.categories])).toEqual([
      ['m-1', 'Toy Story (1995)', ['Adventure', 'Animation']],
      ['m-2', 'American President, The (1995)', ['Comedy', 'Drama', 'Romance']],
      ['m-3', '11\'09"01 - September 11 (2002)', ['Drama']],
      ['m-4', 'Unrated Film', []],
    ])
    expect(data.users).toEqual([
      { user_id: 'u-7', cluster: 0 },
      { user_id: 'u-8', cluster: 0 },
    ])
    expect(data.interactions).toEqual([
      { user_id: 'u-7', item_id: 'm-1', ts: 900_000, weight: 0.4 },
      { user_id: 'u-7', item_id: 'm-2', ts: 1_000_000, weight: 0.9 },
      { user_id: 'u-8', item_id: 'm-2', ts: 1_100_000, weight: 1 },
    ])
    // First interaction time; unrated items fall back to the dataset's first interaction.
    expect(data.items.map((i) => i.published_at)).toEqual([900_000, 1_000_000, 900_000, 900_000])
  })

  it('drops ratings under minRating', async () => {
    const dir = folder({ 'movies.csv': movies, 'ratings.csv': ratings })
    const data = await readMovieLensLatest(dir, { minRating: 3.5 })
    expect(data.interactions.map((x) => `${x.user_id}/${x.item_id}`)).toEqual([
      'u-7/m-2',
      'u-8/m-2',
    ])
    expect(data.users.map((u) => u.user_id)).toEqual(['u-7', 'u-8'])
  })

  it.each([
    [
      'a short row',
      'userId,movieId,rating,timestamp\n7,1,4.0\n',
      'ratings.csv:2: expected 4 fields',
    ],
    [
      'a bad rating',
      'userId,movieId,rating,timestamp\n7,1,4.0,1\n7,1,x,2\n',
      'ratings.csv:3: bad rating',
    ],
    [
      'an out-of-range rating',
      'userId,movieId,rating,timestamp\n7,1,6,1\n',
      'ratings.csv:2: bad rating',
    ],
    [
      'a bad timestamp',
      'userId,movieId,rating,timestamp\n7,1,4,1.5\n',
      'ratings.csv:2: bad timestamp',
    ],
    [
      'an unknown movie',
      'userId,movieId,rating,timestamp\n7,1,4,1\n7,99,4,1\n',
      'ratings.csv:3: movie 99',
    ],
  ])('names the file and line of %s', async (_, body, message) => {
    const dir = folder({ 'movies.csv': movies, 'ratings.csv': body })
    const e = await readMovieLensLatest(dir).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(DatasetFormatError)
    expect((e as Error).message).toContain(join(dir, message.split(':')[0]!))
    expect((e as Error).message).toContain(message.slice(message.indexOf(':')))
  })

  it('names the line of a movie row with unbalanced quotes', async () => {
    const dir = folder({
      'movies.csv': 'movieId,title,genres\n1,A,Drama\n2,"Broken,Drama\n',
      'ratings.csv': 'userId,movieId,rating,timestamp\n',
    })
    await expect(readMovieLensLatest(dir)).rejects.toThrow(/movies\.csv:3: unbalanced quotes/)
  })
})

describe('readMovieLens100k', () => {
  const flags = (...on: number[]) =>
    Array.from({ length: 19 }, (_, g) => (on.includes(g) ? '1' : '0')).join('|')
  const uItem = Buffer.from(
    [
      `1|Toy Story (1995)|01-Jan-1995||http://x|${flags(3, 4, 5)}`,
      `2|Misérables, Les (1995)|01-Jan-1995||http://y|${flags(8)}`,
      `3|Unknown (1990)|01-Jan-1990||http://z|${flags(0)}`,
      '',
    ].join('\n'),
    'latin1',
  )
  it('reads latin1 titles, genre flags and tab-separated ratings', async () => {
    const dir = folder({
      'u.item': uItem,
      'u.data': '196\t2\t3\t881250949\n186\t1\t5\t881250950\n',
    })
    const data = await readMovieLens100k(dir)
    expect(data.items.map((i) => [i.item_id, i.title, i.categories])).toEqual([
      ['m-1', 'Toy Story (1995)', ['Animation', "Children's", 'Comedy']],
      ['m-2', 'Misérables, Les (1995)', ['Drama']],
      ['m-3', 'Unknown (1990)', []],
    ])
    expect(data.interactions).toEqual([
      { user_id: 'u-196', item_id: 'm-2', ts: 881_250_949_000, weight: 0.6 },
      { user_id: 'u-186', item_id: 'm-1', ts: 881_250_950_000, weight: 1 },
    ])
  })

  it('names the file and line of bad rows', async () => {
    const bad = folder({ 'u.item': uItem, 'u.data': '196\t2\t3\t881250949\n186 1 5 881250950\n' })
    await expect(readMovieLens100k(bad)).rejects.toThrow(/u\.data:2: expected 4 fields, got 1/)
    const badItem = folder({ 'u.item': 'x|T|||u|' + flags(), 'u.data': '' })
    await expect(readMovieLens100k(badItem)).rejects.toThrow(/u\.item:1: bad movie id "x"/)
  })
})
