// The Logs view's paged loading, the server's side: one answer of the ring is bounded in
// size however long its lines or however many characters JSON escapes; pages of bounded
// answers still read every held line once, to an empty page at the start.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { LogRing, logLineJsonChars } from '../../src/main/core/log-ring';
import { createRpcHandlers, dispatchRpc, type RpcDeps } from '../../src/main/core/rpc';
import { AnswerGate } from '../../src/main/server/answer-gate';
import type { LogLine } from '../../src/shared/status';
import { pastLines } from '../../src/main/cli/commands/logs';

/** Characters of JSON one answer may take (32 Mi, LOG_ANSWER_MAX_CHARS) and a line's worth of slack. */
const ANSWER_BOUND = 32 * 1024 * 1024 + 20_000;

const seqs = (lines: readonly LogLine[]): number[] => lines.map((l) => l.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('one answer of the ring is bounded', () => {
  it('a ring of 16 KiB lines of escapes (LOG_BUFFER_LINES 100,000) answers under 32 Mi of JSON; its pages read each line once', async () => {
    // 16 KiB of ESC (the ANSI colour prefix), each 6 characters as JSON: 1,560 lines held,
    // 25 MB of text, 153 MB of JSON in one answer without a bound.
    const ring = new LogRing(100_000);
    const text = '\x1b'.repeat(16_384);
    const chunk = Buffer.from([text, text, text].join('\n'));
    for (let i = 0; i < 700; i++) ring.push('stdout', 1_000 + i, chunk, 3);
    expect(ring.size).toBeGreaterThan(1_500);
    const store = { tail: (limit?: number, before?: number) => ring.tail(limit, 'backend', before) };
    const handlers = createRpcHandlers({
      stack: { primaryName: 'backend', member: () => ({ logs: store }) },
    } as unknown as RpcDeps);
    const pages: LogLine[][] = [];
    let before: number | undefined;
    for (;;) {
      const answer = await dispatchRpc(handlers, 'logs:tail', [before === undefined ? {} : { before }], 'user-ui');
      expect(JSON.stringify(answer).length).toBeLessThan(ANSWER_BOUND);
      const page = (answer as { data: LogLine[] }).data;
      if (page.length === 0) break;
      pages.unshift(page);
      before = page[0]!.seq;
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(seqs(pages.flat())).toEqual(range(ring.firstSeq, ring.nextSeq));
  });

  it("a line's estimate is never below its JSON, whatever it holds", () => {
    const texts = ['', 'plain', '"quoted" \\ back', '\x00\x01\x1f\x7f', 'é日本\u{1F600}', '\t\r\n', '\u2028\u2029'];
    for (const text of texts) {
      const line: LogLine = { seq: Number.MAX_SAFE_INTEGER, ts: new Date().toISOString(), stream: 'supervisor', text };
      line.service = 'a-service-name';
      expect(JSON.stringify(line).length + 1, JSON.stringify(text)).toBeLessThanOrEqual(
        logLineJsonChars(text) + line.service.length,
      );
    }
  });

  it('a page always holds at least one line, even one over the bound', () => {
    const ring = new LogRing(10);
    ring.push('stdout', 1, 'x'.repeat(1_000), 1);
    ring.push('stdout', 2, 'y'.repeat(1_000), 1);
    expect(ring.tail(10, undefined, undefined, 100).map((l) => l.text[0])).toEqual(['y']);
    expect(ring.tail(10, undefined, 1, 100).map((l) => l.text[0])).toEqual(['x']);
  });
});

/** A response as the gate sees it: `close` once sent or its client gone. */
class FakeResponse extends EventEmitter {
  closed = false;
  destroyed = false;
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}
const asResponse = (r: FakeResponse): ServerResponse => r as unknown as ServerResponse;

describe('AnswerGate (logs:tail answers in flight over HTTP)', () => {
  it('holds a slot until the response closes, in order; a client gone while it waits passes its turn on', async () => {
    const gate = new AnswerGate(1);
    const [a, b, c] = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
    expect(await gate.hold(asResponse(a))).toBe(true);
    const order: string[] = [];
    const waitB = gate.hold(asResponse(b)).then((held) => order.push(`b ${held}`));
    const waitC = gate.hold(asResponse(c)).then((held) => order.push(`c ${held}`));
    expect(gate.queued).toBe(2);
    // b's client leaves while it waits; a's answer is sent: b gets (and gives up) the slot, then c.
    b.close();
    a.close();
    await Promise.all([waitB, waitC]);
    expect(order).toEqual(['b false', 'c true']);
    expect(gate.inFlight).toBe(1);
    c.close();
    expect(gate.inFlight).toBe(0);
    // A response already closed is not answered and holds nothing.
    const gone = new FakeResponse();
    gone.close();
    expect(await gate.hold(asResponse(gone))).toBe(false);
    expect(gate.inFlight).toBe(0);
  });
});

describe("the command-line client's past lines (logs -n N, --since) page past one answer's bound", () => {
  /** A ring of 2,100 lines of 16 KiB of ESC (96 KiB of JSON each: about 340 lines an answer), read at 1,000 + i ms. */
  function escapedRing(): { ring: LogRing; api: Parameters<typeof pastLines>[0] } {
    const ring = new LogRing(100_000);
    const text = '\x1b'.repeat(16_384);
    const chunk = Buffer.from([text, text, text].join('\n'));
    for (let i = 0; i < 700; i++) ring.push('stdout', 1_000 + i, chunk, 3);
    const store = { tail: (limit?: number, before?: number) => ring.tail(limit, 'backend', before) };
    const handlers = createRpcHandlers({
      stack: { primaryName: 'backend', member: () => ({ logs: store }) },
    } as unknown as RpcDeps);
    const api = {
      rpc: async (channel: string, ...args: unknown[]) => {
        const answer = await dispatchRpc(handlers, channel, args, 'rest');
        if (!answer.ok) throw new Error(answer.error.message);
        return answer.data;
      },
    } as unknown as Parameters<typeof pastLines>[0];
    return { ring, api };
  }

  it('-n 1,500: the newest 1,500 lines, each once, though one answer holds about 340', async () => {
    const { ring, api } = escapedRing();
    const lines = await pastLines(api, 'backend', 1_500, null);
    expect(seqs(lines)).toEqual(range(ring.nextSeq - 1_500, ring.nextSeq));
    expect(lines.every((l) => l.service === 'backend')).toBe(true);
  });

  it('--since: every line from that time on, down to the ring start when it is older', async () => {
    const { ring, api } = escapedRing();
    // Read at 1,000 + i ms, 3 lines each: the lines from 1,300 ms on are the last 400 reads.
    const since = await pastLines(api, 'backend', null, 1_300);
    const from = seqs(since.filter((l) => Date.parse(l.ts) >= 1_300));
    expect(from).toEqual(range(ring.nextSeq - 400 * 3, ring.nextSeq));
    expect(seqs(await pastLines(api, 'backend', null, 0))).toEqual(range(ring.firstSeq, ring.nextSeq));
  });

  it('a server that answers the same page to every ask: read once, no endless loop', async () => {
    const page: LogLine[] = [{ seq: 5, ts: new Date(0).toISOString(), stream: 'stdout', text: 'same' }];
    const asked: unknown[] = [];
    const api = {
      rpc: async (_channel: string, args: unknown) => {
        asked.push(args);
        return page;
      },
    } as unknown as Parameters<typeof pastLines>[0];
    expect(seqs(await pastLines(api, 'backend', 10, null))).toEqual([5]);
    expect(asked).toEqual([
      { service: 'backend', limit: 10 },
      { service: 'backend', limit: 9, before: 5 },
    ]);
  });
});
