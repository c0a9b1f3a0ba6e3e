import { createReadStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Dataset, DatasetItem, Interaction } from './dataset'

/**
 * Readers for the MovieLens files (GroupLens): `ml-latest-small` (`ratings.csv` + `movies.csv`) and `ml-100k`
 * (`u.data` + `u.item`), into the pipeline's `Dataset` shape.
 *
 * Mapping: item ids are `m-<movieId>`, user ids `u-<userId>`; genres become categories (the "no genre" markers give
 * none); every rating becomes one implicit interaction at its timestamp with `weight = rating / 5` (a rating says the
 * user watched the film; how much they liked it only scales the signal). `minRating` keeps only ratings at or above
 * it, for callers that want liked-only positives. An item's `published_at` is its first interaction (MovieLens has
 * no catalog dates in ms); items nobody rated get the dataset's first interaction time.
 * @note Users all get cluster 0: MovieLens has no taste clusters.
 */

export interface MovieLensOptions {
  /** Ratings below this are dropped (default 0: keep every rating). */
  minRating?: number
}

/** A malformed row, named by file and 1-based line. */
export class DatasetFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`)
    this.name = 'DatasetFormatError'
  }
}

interface Movie {
  id: string
  title: string
  genres: string[]
}

interface Rating {
  user: string
  movie: string
  rating: number
  /** seconds since epoch, as MovieLens stores it. */
  ts: number
  /** 1-based line in the ratings file, for errors found later. */
  line: number
}

/** The lines of a file, streamed, with their 1-based numbers. */
async function* lines(
  file: string,
  encoding: BufferEncoding,
): AsyncGenerator<{ text: string; n: number }> {
  const rl = createInterface({
    input: createReadStream(file, { encoding }),
    crlfDelay: Infinity,
  })
  let n = 0
  for await (const text of rl) {
    n++
    if (text.trim() !== '') yield { text, n }
  }
}

/** Splits one RFC 4180 CSV line (quoted fields, `""` escapes; no newlines inside fields). */
export function splitCsvLine(line: string): string[] | null {
  const out: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let v = ''
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q < 0) return null
        v += line.slice(i, q)
        if (line[q + 1] === '"') {
          v += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      out.push(v)
      if (i === line.length) return out
      if (line[i] !== ',') return null
      i++
    } else {
      const c = line.indexOf(',', i)
      if (c < 0) {
        out.push(line.slice(i))
        return out
      }
      out.push(line.slice(i, c))
      i = c + 1
    }
  }
}

const ID = /^\d+$/

function parseRating(file: string, n: number, f: string[]): Rating {
  if (f.length !== 4) throw new DatasetFormatError(file, n, `expected 4 fields, got ${f.length}`)
  const [user, movie, r, t] = f as [string, string, string, string]
  if (!ID.test(user)) throw new DatasetFormatError(file, n, `bad user id ${JSON.stringify(user)}`)
  if (!ID.test(movie))
    throw new DatasetFormatError(file, n, `bad movie id ${JSON.stringify(movie)}`)
  const rating = Number(r)
  if (r.trim() === '' || !(rating >= 0 && rating <= 5))
    throw new DatasetFormatError(file, n, `bad rating ${JSON.stringify(r)}`)
  if (!ID.test(t)) throw new DatasetFormatError(file, n, `bad timestamp ${JSON.stringify(t)}`)
  return { user, movie, rating, ts: Number(t), line: n }
}

async function readLatestMovies(file: string): Promise<Movie[]> {
  const out: Movie[] = []
  for await (const { text, n } of lines(file, 'utf8')) {
    if (n === 1 && text.startsWith('movieId,')) continue
    const f = splitCsvLine(text)
    if (!f) throw new DatasetFormatError(file, n, 'unbalanced quotes')
    if (f.length !== 3) throw new DatasetFormatError(file, n, `expected 3 fields, got ${f.length}`)
    const [id, title, genres] = f as [string, string, string]
    if (!ID.test(id)) throw new DatasetFormatError(file, n, `bad movie id ${JSON.stringify(id)}`)
    out.push({
      id,
      title,
      genres: genres === '(no genres listed)' || genres === '' ? [] : genres.split('|'),
    })
  }
  return out
}

async function readLatestRatings(file: string): Promise<Rating[]> {
  const out: Rating[] = []
  for await (const { text, n } of lines(file, 'utf8')) {
    if (n === 1 && text.startsWith('userId,')) continue
    out.push(parseRating(file, n, text.split(',')))
  }
  return out
}

/** ml-100k's genre columns, in file order; `unknown` maps to no category. */
const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
]

async function read100kItems(file: string): Promise<Movie[]> {
  const out: Movie[] = []
  // u.item is latin1 (titles such as "Misérables, Les").
  for await (const { text, n } of lines(file, 'latin1')) {
    const f = text.split('|')
    if (f.length !== 5 + ML100K_GENRES.length)
      throw new DatasetFormatError(
        file,
        n,
        `expected ${5 + ML100K_GENRES.length} fields, got ${f.length}`,
      )
    const id = f[0]!
    if (!ID.test(id)) throw new DatasetFormatError(file, n, `bad movie id ${JSON.stringify(id)}`)
    const genres: string[] = []
    for (let g = 0; g < ML100K_GENRES.length; g++) {
      const flag = f[5 + g]
      if (flag !== '0' && flag !== '1')
        throw new DatasetFormatError(file, n, `bad genre flag ${JSON.stringify(flag)}`)
      if (flag === '1' && g > 0) genres.push(ML100K_GENRES[g]!)
    }
    out.push({ id, title: f[1]!, genres })
  }
  return out
}

async function read100kRatings(file: string): Promise<Rating[]> {
  const out: Rating[] = []
  for await (const { text, n } of lines(file, 'utf8'))
    out.push(parseRating(file, n, text.split('\t')))
  return out
}

function toDataset(
  movies: Movie[],
  ratings: Rating[],
  ratingsFile: string,
  { minRating = 0 }: MovieLensOptions,
): Dataset {
  const known = new Set(movies.map((m) => m.id))
  const interactions: Interaction[] = []
  const first = new Map<string, number>()
  const users = new Set<string>()
  for (const r of ratings) {
    if (!known.has(r.movie))
      throw new DatasetFormatError(ratingsFile, r.line, `movie ${r.movie} is not in the movie file`)
    if (r.rating < minRating) continue
    const item_id = `m-${r.movie}`
    const ts = r.ts * 1000
    interactions.push({ user_id: `u-${r.user}`, item_id, ts, weight: r.rating / 5 })
    users.add(`u-${r.user}`)
    first.set(item_id, Math.min(first.get(item_id) ?? Infinity, ts))
  }
  interactions.sort(
    (a, b) =>
      a.ts - b.ts ||
      (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0) ||
      (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0),
  )
  const start = interactions[0]?.ts ?? 0
  const items: DatasetItem[] = movies.map((m) => ({
    item_id: `m-${m.id}`,
    title: m.title,
    categories: m.genres,
    published_at: first.get(`m-${m.id}`) ?? start,
    available: true,
    min_age: 0,
    safe: true,
    sponsored: false,
  }))
  return {
    items,
    users: [...users].sort().map((user_id) => ({ user_id, cluster: 0 })),
    interactions,
  }
}

/**
 * Reads `ml-latest-small` (or any `ml-latest*` folder): `movies.csv` and `ratings.csv`, header lines required.
 * @note Ratings are held in memory before mapping (ml-latest-small: ~100k rows); rows stream in line by line.
 */
export async function readMovieLensLatest(
  dir: string,
  options: MovieLensOptions = {},
): Promise<Dataset> {
  const ratingsFile = join(dir, 'ratings.csv')
  const movies = await readLatestMovies(join(dir, 'movies.csv'))
  const ratings = await readLatestRatings(ratingsFile)
  return toDataset(movies, ratings, ratingsFile, options)
}

/** Reads `ml-100k`: `u.item` (latin1, `|`-separated, 19 genre flags) and `u.data` (tab-separated, no header). */
export async function readMovieLens100k(
  dir: string,
  options: MovieLensOptions = {},
): Promise<Dataset> {
  const ratingsFile = join(dir, 'u.data')
  const movies = await read100kItems(join(dir, 'u.item'))
  const ratings = await read100kRatings(ratingsFile)
  return toDataset(movies, ratings, ratingsFile, options)
}

/** The MovieLens format a folder holds: `ml-latest` (`ratings.csv`) or `ml-100k` (`u.data`); undefined for neither. */
export function movieLensFormat(dir: string): 'ml-latest' | 'ml-100k' | undefined {
  if (existsSync(join(dir, 'ratings.csv'))) return 'ml-latest'
  if (existsSync(join(dir, 'u.data'))) return 'ml-100k'
  return undefined
}

/** Reads a folder of either format; throws when it holds neither (or a row is malformed: `DatasetFormatError`). */
export async function readMovieLens(dir: string, options: MovieLensOptions = {}): Promise<Dataset> {
  const format = movieLensFormat(dir)
  if (!format)
    throw new Error(
      `${dir} holds neither ratings.csv + movies.csv (ml-latest) nor u.data + u.item (ml-100k)`,
    )
  return format === 'ml-latest'
    ? readMovieLensLatest(dir, options)
    : readMovieLens100k(dir, options)
}
