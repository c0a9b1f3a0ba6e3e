import type { ModelMetadata } from '../contracts/artifact-files'

/**
 * Raw model outputs → scores, as the model's metadata says — one implementation for the scorer's ranker and the
 * edge model. A raw output that is NaN or outside `score_range` (which bounds raw outputs, as the model gate checks
 * them) scores as the floor: the lowest score the calibration can give inside the range
 * (docs/architecture.md#fail-open-fail-closed: "that item scores as the floor"). The rest are calibrated.
 * `sigmoid`: 1 / (1 + e^−(a·x + b)); `platt` (Platt's sign convention): 1 / (1 + e^(a·x + b)); `none`: x.
 */
export function calibrate(
  raw: ArrayLike<number>,
  meta: Pick<ModelMetadata, 'calibration' | 'score_range'>,
): { scores: number[]; floored: number; nan: number; outOfRange: number } {
  const [lo, hi] = meta.score_range
  const f = calibration(meta.calibration)
  const floor = Math.min(f(lo), f(hi))
  let nan = 0
  let outOfRange = 0
  const scores = Array.from(raw, (x) => {
    if (!Number.isFinite(x)) {
      nan++
      return floor
    }
    if (x < lo || x > hi) {
      outOfRange++
      return floor
    }
    const s = f(x)
    if (Number.isFinite(s)) return s
    nan++
    return floor
  })
  return { scores, floored: nan + outOfRange, nan, outOfRange }
}

function calibration({ kind, a, b }: ModelMetadata['calibration']): (x: number) => number {
  if (kind === 'sigmoid') return (x) => 1 / (1 + Math.exp(-(a * x + b)))
  if (kind === 'platt') return (x) => 1 / (1 + Math.exp(a * x + b))
  return (x) => x
}
