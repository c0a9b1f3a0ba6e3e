import { RANKER_FEATURE_COUNT } from '@recsys/shared'
import type { Logger } from '../log'
import type { ScorerMetrics } from '../metrics/scorer-metrics'
import type { ArtifactStore } from './artifact-store'
import { loadRelease, type LoadedRelease, type LoadReleaseOptions } from './loaded-release'
import { ReleaseSlot, type Lease } from './release-slot'

export interface ReleaseManagerOptions extends LoadReleaseOptions {
  store: ArtifactStore
  /** Fixed tenant list; undefined: every tenant folder with a pointer, rescanned on each poll. */
  tenants?: readonly string[]
  pollMs: number
  log: Logger
  metrics: ScorerMetrics
  /** Rows of the warm-up batch. */
  warmRows?: number
}

/** A failed release is retried after this many polls (its files may have been half-written). */
const RETRY_FAILED_AFTER_POLLS = 10
/** A tenant gone from the store for this many scans in a row is unloaded (one scan may see a folder mid-rewrite). */
export const UNLOAD_AFTER_SCANS = 3

/**
 * Keeps the live release of every tenant: polls each pointer, loads a new release beside the live one, warms it
 * (inference on a dummy batch), then swaps atomically. A failed load leaves the old release serving; it is
 * logged and counted.
 */
export class ReleaseManager {
  private readonly slots = new Map<string, ReleaseSlot>()
  private readonly failed = new Map<string, { release: string; polls: number }>()
  /** Scans in a row that did not find a known tenant in the store. */
  private readonly missing = new Map<string, number>()
  private timer: ReturnType<typeof setInterval> | undefined
  private polling: Promise<void> | undefined
  private scanned = false
  private closed = false

  constructor(private readonly opts: ReleaseManagerOptions) {
    opts.metrics.watchQueue(() => {
      let n = 0
      for (const s of this.slots.values()) {
        if (s.current) n += s.current.model.queueDepth
        for (const r of s.draining) n += r.model.queueDepth
      }
      return n
    })
  }

  /** Polls now and then every `pollMs`. Resolves after the first poll. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs)
    this.timer.unref()
    await this.poll()
  }

  /** One pass over every tenant; concurrent calls share the pass in progress. */
  poll(): Promise<void> {
    this.polling ??= this.pollAll().finally(() => {
      this.polling = undefined
    })
    return this.polling
  }

  /** Known tenants (configured, or found in the store). */
  get tenants(): string[] {
    return [...this.slots.keys()]
  }

  has(tenant: string): boolean {
    return this.slots.has(tenant)
  }

  current(tenant: string): LoadedRelease | undefined {
    return this.slots.get(tenant)?.current
  }

  /** The tenant's live release, held until `done()`; undefined when none is loaded. */
  acquire(tenant: string): Lease | undefined {
    return this.slots.get(tenant)?.acquire()
  }

  /** True when the first scan is done, at least one tenant is known, and every one has a warmed release. */
  get ready(): boolean {
    return (
      this.scanned &&
      this.slots.size > 0 &&
      [...this.slots.values()].every((s) => s.current !== undefined)
    )
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    await this.polling
    for (const s of this.slots.values()) s.clear()
  }

  private slot(tenant: string): ReleaseSlot {
    let s = this.slots.get(tenant)
    if (!s) {
      s = new ReleaseSlot((r) => {
        this.opts.log('release disposed', { tenant: r.tenant, release: r.release })
        void r
          .dispose()
          .catch((e: unknown) =>
            this.opts.log('release dispose failed', { tenant, error: String(e) }),
          )
      })
      this.slots.set(tenant, s)
    }
    return s
  }

  private async pollAll() {
    let tenants: readonly string[]
    try {
      tenants = this.opts.tenants ?? (await this.opts.store.tenants())
    } catch (e) {
      this.opts.log('tenant scan failed', { error: String(e) })
      return
    }
    if (!this.opts.tenants) this.unloadGone(new Set(tenants))
    for (const t of tenants) {
      if (this.closed) return
      this.slot(t)
      await this.pollTenant(t)
    }
    this.scanned = true
  }

  /**
   * Tenants removed from the store stop being served and release their model, index and thread once no request
   * holds them; without this, one removed before it ever loaded would keep `/healthz` at 503 for good.
   */
  private unloadGone(found: ReadonlySet<string>) {
    const { log, metrics } = this.opts
    for (const [tenant, slot] of this.slots) {
      if (found.has(tenant)) {
        this.missing.delete(tenant)
        continue
      }
      const scans = (this.missing.get(tenant) ?? 0) + 1
      this.missing.set(tenant, scans)
      if (scans < UNLOAD_AFTER_SCANS) continue
      const live = slot.current
      slot.clear()
      this.slots.delete(tenant)
      this.missing.delete(tenant)
      this.failed.delete(tenant)
      if (live) {
        metrics.loaded.remove({ tenant, release: live.release, model_version: live.model_version })
        metrics.provider.remove({ tenant, provider: live.model.model.provider })
        metrics.inferenceThread.remove({ tenant, thread: live.model.model.thread })
      }
      log('tenant unloaded', { tenant, release: live?.release ?? null, missing_scans: scans })
    }
  }

  private async pollTenant(tenant: string) {
    const { log, metrics } = this.opts
    let release: string
    try {
      const p = await this.opts.store.pointer(tenant)
      if (!p) return
      release = p.release
    } catch (e) {
      log('pointer unreadable', { tenant, error: String(e) })
      return
    }
    const slot = this.slot(tenant)
    if (slot.current?.release === release) return
    const failed = this.failed.get(tenant)
    if (failed?.release === release && ++failed.polls < RETRY_FAILED_AFTER_POLLS) return
    const t0 = performance.now()
    let next: LoadedRelease
    try {
      next = await loadRelease(this.opts.store, tenant, release, this.opts)
    } catch (e) {
      this.failed.set(tenant, { release, polls: 0 })
      metrics.loadFailures.inc({ tenant })
      log('release load failed', {
        tenant,
        release,
        serving: slot.current?.release ?? null,
        error: e instanceof Error ? e.message : String(e),
      })
      return
    }
    try {
      await this.warm(next)
    } catch (e) {
      this.failed.set(tenant, { release, polls: 0 })
      metrics.loadFailures.inc({ tenant })
      log('release warm-up failed', { tenant, release, error: String(e) })
      await next.dispose().catch(() => undefined)
      return
    }
    if (this.closed) {
      await next.dispose()
      return
    }
    this.failed.delete(tenant)
    const old = slot.swap(next)
    if (old)
      metrics.loaded.remove({ tenant, release: old.release, model_version: old.model_version })
    metrics.loaded.set({ tenant, release, model_version: next.model_version }, 1)
    if (old) metrics.provider.remove({ tenant, provider: old.model.model.provider })
    metrics.provider.set({ tenant, provider: next.model.model.provider }, 1)
    metrics.inferenceThread.remove({
      tenant,
      thread: next.model.model.thread === 'main' ? 'worker' : 'main',
    })
    metrics.inferenceThread.set({ tenant, thread: next.model.model.thread }, 1)
    metrics.swaps.inc({ tenant })
    log('release live', {
      tenant,
      release,
      previous: old?.release ?? null,
      model_version: next.model_version,
      index_version: next.index_version,
      provider: next.model.model.provider,
      inference_thread: next.model.model.thread,
      load_ms: Math.round(performance.now() - t0),
    })
  }

  /** Runs the model on a dummy batch through the batcher (first-run allocations, and the batcher's estimate). */
  private async warm(r: LoadedRelease) {
    const rows = Math.max(1, Math.min(this.opts.warmRows ?? 1000, this.opts.maxBatch))
    const features = new Float32Array(rows * RANKER_FEATURE_COUNT)
    for (let i = 0; i < features.length; i++) features[i] = ((i * 7) % 13) / 13
    for (let k = 0; k < 3; k++) {
      const out = await r.model.score(features, rows)
      if (out.length !== rows) throw new Error(`warm-up returned ${out.length} of ${rows} scores`)
    }
  }
}
