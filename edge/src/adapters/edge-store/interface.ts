import type { z } from 'zod'

/** Read side of the edge store (Workers KV). Values are JSON documents validated against their contract. */
export interface EdgeStore {
  /** A mutable document (pointer, API key): cached in the isolate for at most `ttlMs`. */
  getMutable<T>(key: string, schema: z.ZodType<T>, ttlMs: number): Promise<T | null>
  /** An immutable, release-versioned document: cached in the isolate until evicted. */
  getImmutable<T>(key: string, schema: z.ZodType<T>): Promise<T | null>
}

/** A stored document that does not match its contract: treated as unreadable, never served. */
export class CorruptDocument extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`document ${key} does not match its contract: ${detail}`)
  }
}
