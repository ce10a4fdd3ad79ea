/**
 * A bounded FIFO that keeps the newest `capacity` items and drops the oldest.
 * O(1) push; memory is fixed at `capacity` slots.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  /** @throws RangeError when capacity is not a positive integer. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    }
    this.items = new Array<T | undefined>(capacity);
  }

  /** Number of items held. */
  get size(): number {
    return this.count;
  }

  /** Appends an item, dropping the oldest when full. */
  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The newest `limit` items (all when omitted), oldest first. */
  toArray(limit = this.count): T[] {
    const n = Math.max(0, Math.min(limit, this.count));
    const out: T[] = new Array<T>(n);
    const first = this.start + this.count - n;
    for (let i = 0; i < n; i++) out[i] = this.items[(first + i) % this.capacity] as T;
    return out;
  }

  /** Removes every item. */
  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
  }
}
