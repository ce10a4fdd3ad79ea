import type { ServerResponse } from 'node:http';

/**
 * Answers of one kind in flight at once: at most `limit`, the others wait their turn (in
 * order). A slot is held from the handler's start until its response closes (sent, or the
 * client gone), so the answers waiting in sockets count too: 32 clients paging a ring of
 * long lines at once otherwise held 32 answers of up to 32 Mi characters each, twice over
 * (the string and its bytes), 3.1 GB resident, and starved the event loop 10 s.
 */
export class AnswerGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** @throws RangeError when limit is not a positive integer. */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`answer gate limit must be >= 1, got ${limit}`);
  }

  /** Answers in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Waits for a slot for `response`, held until it closes. Resolves true once held; false
   * when the response closed while it waited (the client gave up: nothing to answer).
   */
  async hold(response: ServerResponse): Promise<boolean> {
    let closed = response.closed || response.destroyed;
    let held = false;
    const release = (): void => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so none can jump the queue.
      if (next) next();
      else this.active--;
    };
    response.once('close', () => {
      closed = true;
      release();
    });
    if (closed) return false;
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    held = true;
    if (closed) {
      release();
      return false;
    }
    return true;
  }
}
