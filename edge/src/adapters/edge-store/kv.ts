import type { z } from 'zod'
import { Lru } from '../../util/lru'
import { CorruptDocument, type EdgeStore } from './interface'

interface Timed {
  value: unknown
  until: number
}

// Isolate memory, shared by every request this isolate serves. Keys carry the tenant, so entries never cross tenants.
const immutable = new Lru<string, unknown>(20_000)
const mutable = new Lru<string, Timed>(10_000)

/** Workers KV adapter with isolate caches; absent keys are cached too (as null) for mutable reads. */
export class KvEdgeStore implements EdgeStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly now: () => number = Date.now,
  ) {}

  async getMutable<T>(key: string, schema: z.ZodType<T>, ttlMs: number): Promise<T | null> {
    const hit = mutable.get(key)
    if (hit && hit.until > this.now()) return hit.value as T | null
    const value = await this.read(key, schema)
    mutable.set(key, { value, until: this.now() + ttlMs })
    return value
  }

  async getImmutable<T>(key: string, schema: z.ZodType<T>): Promise<T | null> {
    const hit = immutable.get(key)
    if (hit !== undefined) return hit as T
    const value = await this.read(key, schema)
    // Absence is not cached: a publish writes blobs before it flips the pointer, but a reader may race it.
    if (value !== null) immutable.set(key, value)
    return value
  }

  private async read<T>(key: string, schema: z.ZodType<T>): Promise<T | null> {
    const raw = await this.kv.get(key, 'json')
    if (raw === null) return null
    const parsed = schema.safeParse(raw)
    if (!parsed.success)
      throw new CorruptDocument(key, parsed.error.issues[0]?.message ?? 'invalid')
    return parsed.data
  }
}
