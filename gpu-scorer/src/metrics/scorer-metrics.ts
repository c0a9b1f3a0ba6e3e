import { Counter, Gauge, Histogram, Registry } from 'prom-client'

const MS_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 200, 500, 1000]

/** The scorer's Prometheus series, on a registry of its own (several scorers may share a process in tests). */
export class ScorerMetrics {
  readonly registry = new Registry()

  readonly requestMs = new Histogram({
    name: 'scorer_request_duration_ms',
    help: 'HTTP request latency in ms, by route and status',
    labelNames: ['route', 'status'] as const,
    buckets: MS_BUCKETS,
    registers: [this.registry],
  })

  readonly stageMs = new Histogram({
    name: 'scorer_stage_duration_ms',
    help: 'Latency of one /v1/rank stage in ms (retrieve, features, inference, total)',
    labelNames: ['stage'] as const,
    buckets: MS_BUCKETS,
    registers: [this.registry],
  })

  readonly batchRows = new Histogram({
    name: 'scorer_batch_rows',
    help: 'Rows per inference batch (one session.run)',
    buckets: [1, 16, 64, 128, 256, 512, 1000, 2000, 4096, 8192],
    registers: [this.registry],
  })

  private depth: () => number = () => 0

  readonly queueRows: Gauge = new Gauge({
    name: 'scorer_queue_rows',
    help: 'Feature rows waiting for an inference batch',
    registers: [this.registry],
    collect: () => this.queueRows.set(this.depth()),
  })

  readonly floored = new Counter({
    name: 'scorer_floored_scores_total',
    help: 'Scores replaced by the floor because the model output was NaN or out of score_range',
    labelNames: ['tenant', 'reason'] as const,
    registers: [this.registry],
  })

  readonly scored = new Counter({
    name: 'scorer_scored_candidates_total',
    help: 'Candidates scored by the model (the denominator of the floored rate)',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  })

  readonly shed = new Counter({
    name: 'scorer_shed_total',
    help: 'Requests rejected with 503 because even a minimal candidate set would miss the deadline',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  })

  readonly shrunk = new Counter({
    name: 'scorer_shrunk_total',
    help: 'Requests whose candidate set was shrunk to meet the deadline',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  })

  readonly loaded = new Gauge({
    name: 'scorer_loaded_release',
    help: 'The live release of each tenant (1), with its model version',
    labelNames: ['tenant', 'release', 'model_version'] as const,
    registers: [this.registry],
  })

  readonly loadFailures = new Counter({
    name: 'scorer_release_load_failures_total',
    help: 'Release loads that failed (the previous release keeps serving)',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  })

  readonly swaps = new Counter({
    name: 'scorer_release_swaps_total',
    help: 'Releases made live after load and warm-up',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  })

  readonly provider = new Gauge({
    name: 'scorer_execution_provider',
    help: "The ONNX Runtime execution provider each tenant's live model runs on (1)",
    labelNames: ['tenant', 'provider'] as const,
    registers: [this.registry],
  })

  readonly inferenceThread = new Gauge({
    name: 'scorer_inference_thread',
    help: "Where each tenant's live model runs inference: its own worker thread or the event loop (1)",
    labelNames: ['tenant', 'thread'] as const,
    registers: [this.registry],
  })

  /** Sets the queue gauge from a callback at scrape time. */
  watchQueue(depth: () => number) {
    this.depth = depth
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }
}
