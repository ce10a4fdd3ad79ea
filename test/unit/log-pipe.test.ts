/**
 * pipeOutput: a child's output becomes log lines per stream, a partial line waits for its
 * newline or its stream's end, and a backpressured store pauses reading until its drain.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { pipeOutput, type OutputSource } from '../../src/main/core/log-pipe';
import { LogStore, type LogLines } from '../../src/main/core/log-store';
import { Stack, type StackMember } from '../../src/main/core/stack/stack';

/** A child's output as the handle gives it, driven by the test. */
function fakeSource(): OutputSource & {
  emit(stream: 'stdout' | 'stderr', text: string): void;
  end(stream: 'stdout' | 'stderr'): void;
  calls: string[];
} {
  let onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void = () => undefined;
  let onEnd: (stream: 'stdout' | 'stderr') => void = () => undefined;
  const calls: string[] = [];
  return {
    calls,
    onOutput: (l) => void (onOutput = l),
    onOutputEnd: (l) => void (onEnd = l),
    pauseOutput: () => void calls.push('pause'),
    resumeOutput: () => void calls.push('resume'),
    emit: (stream, text) => onOutput(stream, Buffer.from(text)),
    end: (stream) => onEnd(stream),
  };
}

/** A backend log file whose writer the test fills and drains; `written` has each write's text. */
class FakeFile extends EventEmitter {
  backpressured = false;
  dropped = 0;
  written: string[] = [];
  writeText(parts: string[], encoding: BufferEncoding): boolean {
    this.written.push(Buffer.from(parts.join(''), encoding).toString('utf8'));
    return !this.backpressured;
  }
}

describe('pipeOutput', () => {
  it('splits each stream into lines on its own and flushes a partial line at its end', () => {
    const logs = new LogStore(100);
    const source = fakeSource();
    pipeOutput(source, logs);
    source.emit('stdout', 'one\ntw');
    source.emit('stderr', 'err');
    source.emit('stdout', 'o\n');
    expect(logs.tail().map((l) => `${l.stream}:${l.text}`)).toEqual(['stdout:one', 'stdout:two']);
    source.end('stderr');
    expect(logs.tail().map((l) => `${l.stream}:${l.text}`)).toEqual(['stdout:one', 'stdout:two', 'stderr:err']);
  });

  it('pauses once while the store is backpressured and resumes on its drain', () => {
    const file = new FakeFile();
    const logs = new LogStore(100, { backendFile: file as never });
    const source = fakeSource();
    pipeOutput(source, logs);
    source.emit('stdout', 'a\n');
    expect(source.calls).toEqual([]);
    file.backpressured = true;
    source.emit('stdout', 'b\n');
    // Chunks already read still arrive; no second pause while paused.
    source.emit('stderr', 'c\n');
    expect(source.calls).toEqual(['pause']);
    file.backpressured = false;
    file.emit('drain');
    expect(source.calls).toEqual(['pause', 'resume']);
    file.backpressured = true;
    source.emit('stdout', 'd\n');
    expect(source.calls).toEqual(['pause', 'resume', 'pause']);
    expect(logs.tail().map((l) => l.text)).toEqual(['a', 'b', 'c', 'd']);
    expect(file.written).toHaveLength(4);
  });

  it('frames and writes the lines of a chunk in one write, stamped with the time it was read', () => {
    const file = new FakeFile();
    const times = [Date.parse('2026-12-02T01:48:47.825Z'), Date.parse('2026-12-02T01:48:48.000Z')];
    const logs = new LogStore(100, { backendFile: file as never }, () => new Date(times.shift() as number));
    const source = fakeSource();
    pipeOutput(source, logs);
    source.emit('stdout', 'one\ntwo\nthree\npart');
    source.emit('stderr', 'oops\r\n');
    expect(file.written).toEqual([
      '2026-12-02T01:48:47.825Z out one\n2026-12-02T01:48:47.825Z out two\n2026-12-02T01:48:47.825Z out three\n',
      '2026-12-02T01:48:48.000Z err oops\n',
    ]);
    expect(logs.tail()).toEqual([
      { seq: 0, ts: '2026-12-02T01:48:47.825Z', stream: 'stdout', text: 'one' },
      { seq: 1, ts: '2026-12-02T01:48:47.825Z', stream: 'stdout', text: 'two' },
      { seq: 2, ts: '2026-12-02T01:48:47.825Z', stream: 'stdout', text: 'three' },
      { seq: 3, ts: '2026-12-02T01:48:48.000Z', stream: 'stderr', text: 'oops' },
    ]);
  });

  it('emits a line event per line, with its seq, while someone listens', () => {
    const logs = new LogStore(100, {}, undefined, 'db');
    const source = fakeSource();
    pipeOutput(source, logs);
    // With no one listening, no object is made per line (a flood's lines stay in their batch).
    const emit = vi.spyOn(logs, 'emit');
    source.emit('stdout', 'unheard\n');
    expect(emit.mock.calls.map((c) => c[0])).toEqual(['lines']);
    emit.mockRestore();
    const heard: string[] = [];
    logs.on('line', (l) => heard.push(`${l.seq}:${l.service}:${l.stream}:${l.text}`));
    source.emit('stdout', 'a\nb\n');
    logs.append('supervisor', 'note');
    expect(heard).toEqual(['1:db:stdout:a', '2:db:stdout:b', '3:db:supervisor:note']);
    expect(logs.tail().map((l) => l.seq)).toEqual([0, 1, 2, 3]);
  });

  it('a stack passes each read on as one `lines` event, and asks its services for `line` events only while someone listens', () => {
    const logs = new LogStore(100, {}, undefined, 'db');
    const member = { definition: { name: 'db', dependsOn: [] }, supervisor: new EventEmitter(), logs };
    const stack = new Stack([member as unknown as StackMember]);
    const source = fakeSource();
    pipeOutput(source, logs);
    const batches: LogLines[] = [];
    stack.on('lines', (b) => batches.push(b));
    source.emit('stderr', 'x\ny\n');
    expect(batches.map((b) => [b.seq, b.count, b.stream, b.service, b.bytes.toString()])).toEqual([
      [0, 2, 'stderr', 'db', 'x\ny'],
    ]);
    expect(logs.listenerCount('line')).toBe(0);
    const heard: string[] = [];
    const onLine = (l: { text: string }): void => void heard.push(l.text);
    stack.on('line', onLine);
    expect(logs.listenerCount('line')).toBe(1);
    source.emit('stdout', 'z\n');
    stack.off('line', onLine);
    expect(logs.listenerCount('line')).toBe(0);
    source.emit('stdout', 'unheard\n');
    expect(heard).toEqual(['z']);
  });
});
