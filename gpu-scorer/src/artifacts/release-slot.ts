import type { LoadedRelease } from './loaded-release'

/** A request's hold on a release: it keeps the release alive until `done()`. */
export interface Lease {
  readonly release: LoadedRelease
  done(): void
}

class Held {
  refs = 0
  retired = false
  disposed = false

  constructor(
    readonly release: LoadedRelease,
    private readonly onDispose: (r: LoadedRelease) => void,
  ) {}

  acquire(): Lease {
    this.refs++
    let once = false
    return {
      release: this.release,
      done: () => {
        if (once) return
        once = true
        this.refs--
        this.maybeDispose()
      },
    }
  }

  retire() {
    this.retired = true
    this.maybeDispose()
  }

  private maybeDispose() {
    if (this.retired && this.refs === 0 && !this.disposed) {
      this.disposed = true
      this.onDispose(this.release)
    }
  }
}

/**
 * The live release of one tenant. Requests acquire it at their start and keep it to their end; a swap makes the
 * new release live at once and disposes the old one when its last request finishes.
 * @note A response never mixes releases: everything a request reads comes from the one release it acquired.
 */
export class ReleaseSlot {
  private live: Held | undefined
  /** Retired releases still held by requests. */
  readonly draining = new Set<LoadedRelease>()

  constructor(private readonly dispose: (r: LoadedRelease) => void) {}

  get current(): LoadedRelease | undefined {
    return this.live?.release
  }

  acquire(): Lease | undefined {
    return this.live?.acquire()
  }

  /** Makes `next` live; returns the release it replaced, if any. */
  swap(next: LoadedRelease): LoadedRelease | undefined {
    const old = this.live
    this.live = new Held(next, (r) => {
      this.draining.delete(r)
      this.dispose(r)
    })
    if (old) {
      this.draining.add(old.release)
      old.retire()
    }
    return old?.release
  }

  /** Retires the live release (shutdown). */
  clear() {
    const old = this.live
    this.live = undefined
    if (old) {
      this.draining.add(old.release)
      old.retire()
    }
  }
}
