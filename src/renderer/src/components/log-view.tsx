import { ScrollArea } from '@mantine/core';
import { memo, useLayoutEffect, useRef } from 'react';
import type { LogLine } from '../../../shared/status';
import { formatLogTime } from '../format';
import classes from './log-view.module.css';

/** Props of {@link LogView}. */
export interface LogViewProps {
  lines: readonly LogLine[];
  /** Keep the newest line in view. */
  follow: boolean;
  /** Called with `false` when the user scrolls up, `true` when they scroll back to the end. */
  onFollowChange: (follow: boolean) => void;
  /** Shown when there are no lines. */
  emptyText?: string;
}

/** Pixels from the bottom that still count as "at the end" (rounding, sub-pixel layouts). */
const BOTTOM_SLACK_PX = 24;

/** The log lines, monospace, one row each; follows the end while `follow` is on. */
export function LogView({ lines, follow, onFollowChange, emptyText = 'No log lines yet.' }: LogViewProps) {
  const viewport = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (follow && element) element.scrollTop = element.scrollHeight;
  }, [lines, follow]);

  const onScroll = (): void => {
    const element = viewport.current;
    if (!element) return;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK_PX;
    if (atEnd !== follow) onFollowChange(atEnd);
  };

  return (
    <ScrollArea
      h="100%"
      viewportRef={viewport}
      onScrollPositionChange={onScroll}
      classNames={{ viewport: classes.viewport }}
      type="auto"
      offsetScrollbars
      data-testid="log-view"
    >
      {lines.length === 0 ? (
        <div className={classes.empty}>{emptyText}</div>
      ) : (
        lines.map((line) => <LogRow key={line.seq} line={line} />)
      )}
    </ScrollArea>
  );
}

/** One line; memoised so appending a batch re-renders only the new rows. */
export const LogRow = memo(function LogRow({ line }: { line: LogLine }) {
  const streamClass =
    line.stream === 'stderr' ? classes.stderr : line.stream === 'supervisor' ? classes.supervisor : '';
  return (
    <div
      className={`${classes.line} ${streamClass}`}
      data-testid="log-line"
      data-stream={line.stream}
      data-seq={line.seq}
    >
      <span className={classes.time} title={line.ts}>
        {formatLogTime(line.ts)}
      </span>
      <span className={classes.stream}>{line.stream}</span>
      <span className={classes.text}>{line.text}</span>
    </div>
  );
});
