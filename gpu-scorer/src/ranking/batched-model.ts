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
/**
 * One request's feature rows, as the batcher sees them: every row of the request is this same object (no view per
 * row). `next` is the first row not yet handed to a batch: the batcher hands a request's rows to batches in order,
 * each once, so a run of one block in a batch is its rows `next … next + run − 1`.
 */
interface RowBlock {
  features: Float32Array
  next: number
}

export class BatchedModel {
  readonly batcher: MicroBatcher<RowBlock, number>

  constructor(
    readonly model: RankerModel,
    opts: BatchedModelOptions,
  ) {
    this.batcher = new MicroBatcher<RowBlock, number>({
      maxBatch: opts.maxBatch,
      maxWaitMs: opts.maxWaitMs,
      maxRequests: opts.maxRequests,
      onBatch: opts.onBatch,
      run: async (rows) => {
        const input = new Float32Array(rows.length * F)
        for (let i = 0; i < rows.length;) {
          const block = rows[i]!
          let j = i + 1
          while (j < rows.length && rows[j] === block) j++
          input.set(block.features.subarray(block.next * F, (block.next + j - i) * F), i * F)
          block.next += j - i
          i = j
        }
        return Array.from(await model.predict(input, rows.length))
      },
    })
  }

  /** Raw model outputs of `rows` feature rows (row-major `[rows × F]`), in order. */
  score(features: Float32Array, rows: number, budgetMs?: number): Promise<number[]> {
    const block: RowBlock = { features, next: 0 }
    return this.batcher.submit(new Array<RowBlock>(rows).fill(block), budgetMs)
  }

  /** Estimated ms until a request of `rows` rows would be scored, with what is queued now. */
  estimateMs(rows: number): number {
    return this.batcher.estimateMs(rows)
  }

  get queueDepth(): number {
    return this.batcher.queueDepth
  }
}
