import type { Assignment } from '../contracts/api'
import type { Experiment } from '../contracts/manifest'
import { murmur3 } from '../util/hash'

export const BUCKETS = 10_000

/** The bucket (0..9999) of a unit in an experiment: a stable hash of the salt and the unit id. */
export const bucketOf = (salt: string, unitId: string): number =>
  murmur3(`${salt}:${unitId}`) % BUCKETS

/** Picks the variant of `unitId`, weights normalised; deterministic across runtimes and requests. */
export function assignVariant(exp: Experiment, unitId: string) {
  const total = exp.variants.reduce((s, v) => s + v.weight, 0)
  const point = (bucketOf(exp.salt, unitId) / BUCKETS) * total
  let acc = 0
  for (const v of exp.variants) {
    acc += v.weight
    if (point < acc) return v
  }
  return exp.variants[exp.variants.length - 1]!
}

/** Assigns every experiment that applies to the surface; later experiments' overrides win. */
export function assignExperiments(
  experiments: readonly Experiment[],
  surface: string,
  unitId: string,
) {
  const assignments: Assignment[] = []
  const overrides: { rules?: string; slate_variant?: string } = {}
  for (const exp of experiments) {
    if (exp.surfaces && !exp.surfaces.includes(surface)) continue
    const v = assignVariant(exp, unitId)
    assignments.push({ id: exp.id, variant: v.id })
    Object.assign(overrides, v.overrides)
  }
  return { assignments, overrides }
}
