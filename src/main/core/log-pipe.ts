import type { ChildHandle } from './launcher';
import { LineSplitter } from './line-splitter';
import type { LogStore } from './log-store';

/** The part of a child handle whose output is piped: a real handle or a test's fake. */
export type OutputSource = Pick<ChildHandle, 'onOutput' | 'onOutputEnd' | 'pauseOutput' | 'resumeOutput'>;

/**
 * Pipes a child's stdout and stderr into `logs`, a batch of lines per chunk read (split by
 * {@link LineSplitter}, which also cuts an over-long line), each stream on its own. While
 * the store is backpressured (its backend file is behind), reading pauses until the store's
 * `drain`: nothing is lost and memory stays bounded, the child blocks on its full pipe.
 * A line left without its newline is flushed when its stream ends.
 */
export function pipeOutput(source: OutputSource, logs: LogStore): void {
  const splitters = {
    stdout: new LineSplitter((batch) => logs.appendBatch('stdout', batch)),
    stderr: new LineSplitter((batch) => logs.appendBatch('stderr', batch)),
  };
  let paused = false;
  source.onOutput((stream, chunk) => {
    splitters[stream].write(chunk);
    if (logs.backpressured && !paused) {
      // The disk is behind: stop reading until it drains; the child blocks on its pipe.
      paused = true;
      source.pauseOutput();
      logs.once('drain', () => {
        paused = false;
        source.resumeOutput();
      });
    }
  });
  source.onOutputEnd((stream) => splitters[stream].end());
}
