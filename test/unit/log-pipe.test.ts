/**
 * pipeOutput: a child's output becomes log lines per stream, a partial line waits for its
 * newline or its stream's end, and a backpressured store pauses reading until its drain.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pipeOutput, type OutputSource } from '../../src/main/core/log-pipe';
import { LogStore } from '../../src/main/core/log-store';

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

/** A backend log file whose writer the test fills and drains. */
class FakeFile extends EventEmitter {
  backpressured = false;
  dropped = 0;
  written: string[] = [];
  write(text: string): void {
    this.written.push(text);
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
});
