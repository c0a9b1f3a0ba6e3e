/** Settings of a {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures (errors or timeouts) that open the circuit. */
  failures: number
  /** How long the circuit stays open before one trial request may go through. */
  pauseMs: number
  /** The clock, in ms (injected so tests drive time). */
  now: () => number
}

export type BreakerState = 'closed' | 'open' | 'half_open'

/**
 * A circuit breaker: closed → open after `failures` consecutive failures; open → half-open once `pauseMs` have
 * passed, letting one trial through; the trial's success closes it, its failure opens it again for another pause.
 * Pure state machine, no IO.
 * @note A trial that never reports (its request was cancelled) does not hold the circuit half-open forever: after
 * another `pauseMs` a new trial may go through.
 */
export class CircuitBreaker {
  private consecutive = 0
  private openedAt = 0
  private trialAt: number | undefined
  private current: BreakerState = 'closed'

  constructor(private readonly opts: BreakerOptions) {}

  get state(): BreakerState {
    return this.current
  }

  /** Whether a call would be let through now (without claiming the trial): false means skip at once. */
  available(): boolean {
    const now = this.opts.now()
    if (this.current === 'closed') return true
    if (this.current === 'open') return now - this.openedAt >= this.opts.pauseMs
    return this.trialAt === undefined || now - this.trialAt >= this.opts.pauseMs
  }

  /** Claims the right to call: true when closed, or when this call is the half-open trial. */
  admit(): boolean {
    if (!this.available()) return false
    if (this.current !== 'closed') {
      this.current = 'half_open'
      this.trialAt = this.opts.now()
    }
    return true
  }

  success(): void {
    this.current = 'closed'
    this.consecutive = 0
    this.trialAt = undefined
  }

  failure(): void {
    this.consecutive++
    if (this.current === 'half_open' || this.consecutive >= this.opts.failures) {
      this.current = 'open'
      this.openedAt = this.opts.now()
      this.trialAt = undefined
    }
  }
}

// Per isolate: one breaker per scorer URL (and settings), shared by every request of the isolate.
const breakers = new Map<string, CircuitBreaker>()

/** The isolate's breaker for this scorer URL. */
export function breakerFor(
  url: string,
  opts: Omit<BreakerOptions, 'now'>,
  now: () => number = () => Date.now(),
): CircuitBreaker {
  const key = `${url}\u0000${opts.failures}\u0000${opts.pauseMs}`
  let b = breakers.get(key)
  if (!b) {
    b = new CircuitBreaker({ ...opts, now })
    breakers.set(key, b)
  }
  return b
}
