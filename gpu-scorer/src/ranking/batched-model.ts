import { RANKER_FEATURE_COUNT } from '@recsys/shared'
import type { RankerModel } from '../artifacts/ranker-model'
import { MicroBatcher } from '../batching/micro-batcher'

const F = RANKER_FEATURE_COUNT

export interface BatchedModelOptions {
  maxBatch: number
  maxWaitMs: number
  /** 1: no batching across requests (each request is one `session.run`). */
  maxRequests?: number
  onBatch?: (rows: number, ms: number) => void
}

/**
 * A {@link RankerModel} behind a {@link MicroBatcher}: rows of concurrent requests are concatenated into one
 * `[rows × F]` tensor, scored with one `session.run`, and the outputs split back per request.
 * @note One per loaded release: a batch never mixes models, so a response never mixes releases.
 */
export class BatchedModel {
  readonly batcher: MicroBatcher<Float32Array, number>

  constructor(
    readonly model: RankerModel,
    opts: BatchedModelOptions,
  ) {
    this.batcher = new MicroBatcher<Float32Array, number>({
      maxBatch: opts.maxBatch,
      maxWaitMs: opts.maxWaitMs,
      maxRequests: opts.maxRequests,
      onBatch: opts.onBatch,
      run: async (rows) => {
        const input = new Float32Array(rows.length * F)
        for (let r = 0; r < rows.length; r++) input.set(rows[r]!, r * F)
        return Array.from(await model.predict(input, rows.length))
      },
    })
  }

  /** Raw model outputs of `rows` feature rows (row-major `[rows × F]`), in order. */
  score(features: Float32Array, rows: number, budgetMs?: number): Promise<number[]> {
    const views: Float32Array[] = new Array(rows)
    for (let r = 0; r < rows; r++) views[r] = features.subarray(r * F, (r + 1) * F)
    return this.batcher.submit(views, budgetMs)
  }

  /** Estimated ms until a request of `rows` rows would be scored, with what is queued now. */
  estimateMs(rows: number): number {
    return this.batcher.estimateMs(rows)
  }

  get queueDepth(): number {
    return this.batcher.queueDepth
  }
}
