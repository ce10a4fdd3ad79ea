import { describe, expect, it } from 'vitest';
import { SseParser, type SseFrame } from '../../src/renderer/src/api/sse-parser';

/** Feeds `chunks` one by one and collects every frame. */
function parse(chunks: string[], parser = new SseParser()): SseFrame[] {
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('SseParser', () => {
  it('parses the server frames: id, event name and JSON data', () => {
    const frames = parse([
      'id: 1\nevent: backend:log\ndata: {"seq":1}\n\nid: 2\nevent: backend:state\ndata: {"to":"running"}\n\n',
    ]);
    expect(frames).toEqual([
      { id: '1', event: 'backend:log', data: '{"seq":1}' },
      { id: '2', event: 'backend:state', data: '{"to":"running"}' },
    ]);
  });

  it('joins frames split across chunks anywhere, even inside a field name', () => {
    const text = 'id: 7\nevent: backend:log\ndata: {"text":"hello"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual([
        { id: '7', event: 'backend:log', data: '{"text":"hello"}' },
      ]);
    }
    // One character at a time.
    expect(parse([...text])).toHaveLength(1);
  });

  it('accepts CRLF and bare CR line ends, including a CRLF split between chunks', () => {
    expect(parse(['event: a\r\ndata: 1\r\n\r\n'])).toEqual([{ id: '', event: 'a', data: '1' }]);
    expect(parse(['event: b\rdata: 2\r\r'])).toEqual([{ id: '', event: 'b', data: '2' }]);
    // The CR ends one chunk and its LF starts the next: one line end, not two.
    expect(parse(['event: c\r', '\ndata: 3\r', '\n', '\r\n'])).toEqual([{ id: '', event: 'c', data: '3' }]);
  });

  it('ignores comments such as heartbeats', () => {
    expect(parse([': connected\n\n', ': ping\n\n', 'event: x\n: inside a frame\ndata: y\n\n', ': ping\n\n'])).toEqual([
      { id: '', event: 'x', data: 'y' },
    ]);
  });

  it("joins multi-line data with \\n and keeps a value's spaces after the first", () => {
    expect(parse(['data: first\ndata:second\ndata:   indented\ndata\n\n'])).toEqual([
      { id: '', event: 'message', data: 'first\nsecond\n  indented\n' },
    ]);
  });

  it('drops frames without data and unfinished frames at reset', () => {
    const parser = new SseParser();
    expect(parse(['event: only-a-name\n\n', 'data: unfinished\n'], parser)).toEqual([]);
    parser.reset();
    expect(parse(['data: next\n\n'], parser)).toEqual([{ id: '', event: 'message', data: 'next' }]);
  });

  it('keeps the last id across frames, reads retry, skips a BOM and unknown fields', () => {
    const parser = new SseParser();
    const frames = parse(['\uFEFFid: 5\ndata: a\n\n', 'retry: 2500\nfoo: bar\ndata: b\n\n'], parser);
    expect(frames).toEqual([
      { id: '5', event: 'message', data: 'a' },
      { id: '5', event: 'message', data: 'b' },
    ]);
    expect(parser.retryMs).toBe(2500);
  });

  it('refuses an unfinished line longer than its cap', () => {
    const parser = new SseParser(16);
    expect(() => parser.push('data: ' + 'x'.repeat(20))).toThrow(/longer than 16/);
  });
});
