import type { ModelMetadata } from '@recsys/shared'

/**
 * Raw model output → score. `sigmoid`: 1 / (1 + e^−(a·x + b)); `platt`: Platt's form 1 / (1 + e^(a·x + b))
 * (a fitted a is negative); `none`: x.
 */
export function calibrate(x: number, c: ModelMetadata['calibration']): number {
  switch (c.kind) {
    case 'none':
      return x
    case 'sigmoid':
      return 1 / (1 + Math.exp(-(c.a * x + c.b)))
    case 'platt':
      return 1 / (1 + Math.exp(c.a * x + c.b))
  }
}

export type FloorReason = 'nan' | 'out_of_range'

/** The NaN guard (ARCHITECTURE §5): NaN or out of `score_range` scores as the floor, `score_range[0]`. */
export function guardScore(
  score: number,
  range: ModelMetadata['score_range'],
): { score: number; floored?: FloorReason } {
  if (Number.isNaN(score)) return { score: range[0], floored: 'nan' }
  if (score < range[0] || score > range[1]) return { score: range[0], floored: 'out_of_range' }
  return { score }
}
