import type { LogMessage } from './message'

/** Sends log records to the Queue; the consumer batches them into R2. */
export class QueueLogSink {
  constructor(private readonly queue: Queue<LogMessage>) {}

  async send(record: LogMessage): Promise<void> {
    await this.queue.send(record, { contentType: 'json' })
  }
}
