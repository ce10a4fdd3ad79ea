/** Deliveries waiting at most (all services together); past it a new one is dropped and counted. */
export const MAX_QUEUED_DELIVERIES = 64;

/** Deliveries in flight at once: a webhook that hangs holds one slot until its timeout. */
export const MAX_CONCURRENT_DELIVERIES = 4;

/** One delivery: given the queue's stop signal; must not throw (a throw is taken as done). */
export type DeliveryJob = (stop: AbortSignal) => Promise<void>;

/**
 * The alerts' own work queue, apart from supervision: a bounded list of deliveries run
 * {@link MAX_CONCURRENT_DELIVERIES} at a time. `push` never waits, so a slow or dead
 * receiver never delays a restart; a full queue drops the new delivery (the caller logs it).
 */
export class DeliveryQueue {
  private readonly waiting: DeliveryJob[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly stopper = new AbortController();
  /** Deliveries dropped because the queue was full, since it was made. */
  dropped = 0;

  constructor(
    private readonly capacity = MAX_QUEUED_DELIVERIES,
    private readonly concurrency = MAX_CONCURRENT_DELIVERIES,
  ) {}

  /** Queues `job`; false (and counted in {@link dropped}) when the queue is full or closed. */
  push(job: DeliveryJob): boolean {
    if (this.stopper.signal.aborted || this.waiting.length >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.waiting.push(job);
    this.pump();
    return true;
  }

  /** Deliveries waiting or in flight. */
  get size(): number {
    return this.waiting.length + this.running.size;
  }

  /** Drops what waits, aborts what runs (each ends at once: its group killed, its request destroyed), and waits for them. */
  async close(): Promise<void> {
    this.waiting.length = 0;
    this.stopper.abort(new Error('alerts closed'));
    await Promise.all([...this.running]);
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const run: Promise<void> = job(this.stopper.signal)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }
}
