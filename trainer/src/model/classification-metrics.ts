/**
 * Metrics of a binary classifier's scores against 0/1 labels (the trainer's validation). Both assume at least one
 * row; AUC is 0.5 when one class is absent.
 */

/** Area under the ROC curve: the chance a random positive outscores a random negative (ties count half). */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[a]! - scores[b]!,
  )
  let pos = 0
  let rankSum = 0
  for (let i = 0; i < idx.length;) {
    let j = i
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) j++
    // Rows i … j − 1 tie: each gets the mean rank (1-based).
    const rank = (i + j + 1) / 2
    for (let k = i; k < j; k++)
      if (labels[idx[k]!]! > 0.5) {
        pos++
        rankSum += rank
      }
    i = j
  }
  const neg = idx.length - pos
  if (pos === 0 || neg === 0) return 0.5
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg)
}

/** Mean binary cross-entropy of probabilities, clipped to [1e-7, 1 − 1e-7]. */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, probs[i]!))
    sum -= labels[i]! > 0.5 ? Math.log(p) : Math.log(1 - p)
  }
  return sum / probs.length
}
