import type { z } from 'zod'
import { Lru } from '../../util/lru'
import { CorruptDocument, type EdgeStore } from './interface'

interface Timed {
  value: unknown
  until: number
}

// Isolate memory, shared by every request this isolate serves. Keys carry the tenant, so entries never cross tenants.
// Bounded by the length of the JSON each document was read from too: user-slate pages and anchored slates are
// tens of KB, and 20,000 of them would not fit the isolate's 128 MB (a parsed document takes a few times its JSON).
export const IMMUTABLE_CACHE_CHARS = 16_000_000
const immutable = new Lru<string, unknown>(20_000, IMMUTABLE_CACHE_CHARS)
const mutable = new Lru<string, Timed>(10_000, 2_000_000)

/** Workers KV adapter with isolate caches; absent keys are cached too (as null) for mutable reads. */
export class KvEdgeStore implements EdgeStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly now: () => number = Date.now,
  ) {}

  async getMutable<T>(key: string, schema: z.ZodType<T>, ttlMs: number): Promise<T | null> {
    const hit = mutable.get(key)
    if (hit && hit.until > this.now()) return hit.value as T | null
    const { value, chars } = await this.read(key, schema)
    mutable.set(key, { value, until: this.now() + ttlMs }, Math.max(1, chars))
    return value
  }

  async getImmutable<T>(key: string, schema: z.ZodType<T>): Promise<T | null> {
    const hit = immutable.get(key)
    if (hit !== undefined) return hit as T
    const { value, chars } = await this.read(key, schema)
    // Absence is not cached: a publish writes blobs before it flips the pointer, but a reader may race it.
    if (value !== null) immutable.set(key, value, chars)
    return value
  }

  private async read<T>(
    key: string,
    schema: z.ZodType<T>,
  ): Promise<{ value: T | null; chars: number }> {
    const text = await this.kv.get(key, 'text')
    if (text === null) return { value: null, chars: 0 }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      throw new CorruptDocument(key, 'not JSON')
    }
    const parsed = schema.safeParse(raw)
    if (!parsed.success)
      throw new CorruptDocument(key, parsed.error.issues[0]?.message ?? 'invalid')
    return { value: parsed.data, chars: text.length }
  }
}
