import { describe, expect, it } from 'vitest';
import { LogRing } from '../../src/main/core/log-ring';
import { LogStore } from '../../src/main/core/log-store';
import { createRpcHandlers, dispatchRpc, type RpcDeps } from '../../src/main/core/rpc';
import type { LogLine } from '../../src/shared/status';

/** A ring of `capacity` lines holding `total` lines "0".."total-1", pushed in chunks of `chunk`. */
function filledRing(capacity: number, total: number, chunk: number): LogRing {
  const ring = new LogRing(capacity);
  for (let first = 0; first < total; first += chunk) {
    const count = Math.min(chunk, total - first);
    const texts = Array.from({ length: count }, (_, k) => String(first + k));
    ring.push('stdout', 1_000 + first, Buffer.from(texts.join('\n')), count);
  }
  return ring;
}

const seqs = (lines: readonly LogLine[]): number[] => lines.map((l) => l.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('LogRing pages (`before` + `limit`)', () => {
  it('pages back from the newest line without a gap or a duplicate, across block boundaries, to the start', () => {
    // 1,000 lines held of 1,300 pushed, in blocks of 7: the oldest block partly dropped.
    const ring = filledRing(1_000, 1_300, 7);
    expect(ring.firstSeq).toBe(300);
    const pages: LogLine[][] = [ring.tail(128)];
    while (pages[0]!.length === 128) pages.unshift(ring.tail(128, undefined, pages[0]![0]!.seq));
    const all = pages.flat();
    expect(seqs(all)).toEqual(range(300, 1_300));
    expect(all.every((l) => l.text === String(l.seq))).toBe(true);
    // The last page asked for was short: the buffer starts at its first line.
    expect(pages[0]!.length).toBeLessThan(128);
    expect(pages[0]![0]!.seq).toBe(ring.firstSeq);
  });

  it('a page ends just below `before`, and its lines keep their block times', () => {
    const ring = filledRing(100, 50, 10);
    const page = ring.tail(5, 'db', 23);
    expect(seqs(page)).toEqual([18, 19, 20, 21, 22]);
    expect(page.map((l) => l.ts)).toEqual([1_010, 1_010, 1_020, 1_020, 1_020].map((t) => new Date(t).toISOString()));
    expect(page.every((l) => l.service === 'db')).toBe(true);
  });

  it('`before` at or below the oldest line held answers nothing; past the newest it reads from the newest', () => {
    const ring = filledRing(40, 100, 3);
    expect(ring.tail(10, undefined, ring.firstSeq)).toEqual([]);
    expect(ring.tail(10, undefined, 0)).toEqual([]);
    expect(seqs(ring.tail(10, undefined, Number.MAX_SAFE_INTEGER))).toEqual(range(90, 100));
    expect(seqs(ring.tail(10, undefined, ring.nextSeq))).toEqual(range(90, 100));
    // A `before` just above the oldest line: that one line.
    expect(seqs(ring.tail(10, undefined, ring.firstSeq + 1))).toEqual([60]);
  });

  it('an empty ring and a cleared one answer nothing; seq goes on after a clear', () => {
    const ring = new LogRing(10);
    expect(ring.tail(5, undefined, 3)).toEqual([]);
    ring.push('stdout', 1, 'a', 1);
    ring.clear();
    expect(ring.tail(5, undefined, 1)).toEqual([]);
    ring.push('stderr', 2, Buffer.from('b\nc'), 2);
    expect(seqs(ring.tail(5, undefined, 3))).toEqual([1, 2]);
    expect(ring.tail(5, undefined, 1)).toEqual([]);
  });
});

describe('`logs:tail` with `before` through dispatchRpc', () => {
  const store = new LogStore(200_000);
  for (let first = 0; first < 150_000; first += 1_000) {
    const texts = Array.from({ length: 1_000 }, (_, k) => `line ${first + k}`);
    const bytes = Buffer.from(texts.join('\n'));
    store.appendBatch('stdout', { bytes, latin1: bytes.toString('latin1'), count: 1_000 });
  }
  const stack = { primaryName: 'backend', member: () => ({ logs: store }) };
  const handlers = createRpcHandlers({ stack } as unknown as RpcDeps);
  const call = (options: unknown): ReturnType<typeof dispatchRpc> =>
    dispatchRpc(handlers, 'logs:tail', [options], 'user-ui');

  it('takes the largest page (100,000 lines) and refuses one more, or a negative or fractional `before`', async () => {
    const largest = await call({ limit: 100_000, before: 120_000 });
    expect(largest.ok).toBe(true);
    expect(seqs((largest as { data: LogLine[] }).data)).toEqual(range(20_000, 120_000));
    for (const bad of [{ limit: 100_001 }, { limit: 0 }, { before: -1 }, { before: 1.5 }, { before: '10' }]) {
      const res = await call(bad);
      expect(res, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
    }
  });

  it('`before` beyond the start of the ring answers []; in the future, the newest page', async () => {
    expect(await call({ limit: 10, before: 0 })).toEqual({ ok: true, data: [] });
    const future = (await call({ limit: 3, before: 1e12 })) as { ok: true; data: LogLine[] };
    expect(future.data.map((l) => l.text)).toEqual(['line 149997', 'line 149998', 'line 149999']);
    const last = (await call({ limit: 2, before: 1 })) as { ok: true; data: LogLine[] };
    expect(seqs(last.data)).toEqual([0]);
  });
});
