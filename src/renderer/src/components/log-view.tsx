import { useVirtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  type ReactNode,
  type Ref,
} from 'react';
import type { LogLine } from '../../../shared/status';
import { formatLogTime } from '../format';
import { useT } from '../i18n';
import { lineLevel } from '../logs/log-level';
import { splitMatches } from '../logs/log-search';
import classes from './log-view.module.css';

/** Height of a one-line row, px (the CSS line height; longer lines wrap and are measured). */
export const LOG_ROW_HEIGHT = 18;
/** Pixels from the bottom that still count as "at the end" (rounding, sub-pixel layouts). */
const END_SLACK_PX = 4;
/** A scroll this soon after a wheel, key or touch is the user's (not the view's own), ms. */
const USER_INPUT_MS = 400;
/** Height of the row above the first line (the start marker), px. */
export const LOG_START_ROW_HEIGHT = 28;
/** Rows from the top of the list at which the view asks for older lines ({@link LogViewProps.onNearStart}). */
export const NEAR_START_ROWS = 200;
/** Keys that scroll up (they pause following) in the focused list. */
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);

/** What the Logs page can ask of the list. */
export interface LogViewHandle {
  /** Scrolls so that the line at `index` is in the middle of the view. */
  scrollToIndex(index: number): void;
  /** Indexes of the first and the last line in view (both -1 when none is). */
  visibleRange(): { start: number; end: number };
}

/** A search match to mark as the current one: the line's `seq` and which match in it. */
export interface CurrentMatch {
  seq: number;
  nth: number;
}

/** Props of {@link LogView}. */
export interface LogViewProps {
  /** The lines to show, oldest first (already filtered). */
  lines: readonly LogLine[];
  /** Keep the newest line in view. */
  follow: boolean;
  /** The user scrolled up (wheel, keys, scrollbar): stop following. */
  onPause: () => void;
  /** The user scrolled back to the end (or pressed End): follow again. */
  onResume: () => void;
  /** Search matches to highlight (a global pattern), or null. */
  pattern?: RegExp | null;
  /** The current search match, shown apart from the others. */
  current?: CurrentMatch | null;
  /** `seq` of the line a "Show in logs" jump went to (highlighted briefly). */
  targetSeq?: number | null;
  /** Shown when there are no lines. */
  emptyText?: string;
  /** Show each line's service (lines of several services merged). */
  showService?: boolean;
  /** A row above the first line (e.g. "beginning of the buffer", or older lines loading). */
  startMarker?: ReactNode;
  /**
   * Called while the rows in view are within {@link NEAR_START_ROWS} of the first line:
   * time to load older lines (they go before the first; the line in view stays in place).
   */
  onNearStart?: () => void;
  ref?: Ref<LogViewHandle>;
}

/**
 * The log lines, monospace, one row each, virtualized (only the rows in view exist, so
 * 100,000 lines scroll like 100). Follows the end while `follow` is on; the user's own
 * scrolling up pauses it, scrolling back to the end resumes it.
 */
export function LogView({
  lines,
  follow,
  onPause,
  onResume,
  pattern = null,
  current = null,
  targetSeq = null,
  emptyText,
  showService = false,
  startMarker,
  onNearStart,
  ref,
}: LogViewProps) {
  const t = useT();
  const startHeight = startMarker === undefined ? 0 : LOG_START_ROW_HEIGHT;
  const scroller = useRef<HTMLDivElement>(null);
  const getItemKey = useCallback((index: number) => lines[index]?.seq ?? -1 - index, [lines]);
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => LOG_ROW_HEIGHT,
    getItemKey,
    overscan: 12,
    paddingStart: 6 + startHeight,
    paddingEnd: 6,
    // Trimming the oldest lines (the buffer's cap) and a page of older lines put before
    // the first keep the line being read in place…
    anchorTo: 'end',
    // …and appended lines scroll into view while following.
    followOnAppend: follow,
  });

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex(index) {
        if (index >= 0 && index < virtualizer.options.count) virtualizer.scrollToIndex(index, { align: 'center' });
      },
      visibleRange() {
        const range = virtualizer.range;
        return range && virtualizer.options.count > 0
          ? { start: range.startIndex, end: range.endIndex }
          : { start: -1, end: -1 };
      },
    }),
    [virtualizer],
  );

  // Following: to the end when it is switched on, and whenever the lines change (a new
  // filter, a reloaded tail) and the end is out of view.
  useLayoutEffect(() => {
    if (follow && lines.length > 0 && !virtualizer.isAtEnd(END_SLACK_PX)) virtualizer.scrollToEnd();
  }, [follow, lines, virtualizer]);

  // The user's scrolling decides following; the view's own scrolling never does.
  const latest = useRef({ follow, onPause, onResume });
  useLayoutEffect(() => {
    latest.current = { follow, onPause, onResume };
  });
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    let lastTop = element.scrollTop;
    let lastInput = -Infinity;
    let pointerDown = false;
    const scrollable = (): boolean => element.scrollHeight - element.clientHeight > 1;
    const atEnd = (): boolean => element.scrollHeight - element.scrollTop - element.clientHeight <= END_SLACK_PX;
    const input = (): void => {
      lastInput = performance.now();
    };
    const pause = (): void => {
      if (latest.current.follow && scrollable()) latest.current.onPause();
    };
    const onWheel = (event: WheelEvent): void => {
      input();
      if (event.deltaY < 0) pause();
      else if (event.deltaY > 0 && !latest.current.follow && atEnd()) latest.current.onResume();
    };
    const onKeyDown = (event: KeyboardEvent): void => {
      input();
      if (UP_KEYS.has(event.key)) pause();
      else if (event.key === 'End' && !latest.current.follow) latest.current.onResume();
    };
    const onPointerDown = (): void => {
      pointerDown = true;
      input();
    };
    const onPointerUp = (): void => {
      if (!pointerDown) return;
      pointerDown = false;
      input();
    };
    const onScroll = (): void => {
      const top = element.scrollTop;
      const previous = lastTop;
      lastTop = top;
      if (!pointerDown && performance.now() - lastInput > USER_INPUT_MS) return;
      if (latest.current.follow && top < previous - 1 && !atEnd()) latest.current.onPause();
      else if (!latest.current.follow && top > previous && atEnd()) latest.current.onResume();
    };
    element.addEventListener('wheel', onWheel, { passive: true });
    element.addEventListener('keydown', onKeyDown);
    element.addEventListener('pointerdown', onPointerDown);
    element.addEventListener('touchmove', input, { passive: true });
    element.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('pointerup', onPointerUp);
    return () => {
      element.removeEventListener('wheel', onWheel);
      element.removeEventListener('keydown', onKeyDown);
      element.removeEventListener('pointerdown', onPointerDown);
      element.removeEventListener('touchmove', input);
      element.removeEventListener('scroll', onScroll);
      window.removeEventListener('pointerup', onPointerUp);
    };
  }, []);

  const items = virtualizer.getVirtualItems();
  const firstInView = items[0]?.index ?? -1;
  const nearStart = useRef(onNearStart);
  useLayoutEffect(() => {
    nearStart.current = onNearStart;
  });
  // After each render where the rows in view moved or the lines changed: near the first
  // line, ask for older ones (again after each page, until far enough or there are none).
  // The scroll position, not the virtualizer's range: on the first render the range is
  // still at the top when following has already scrolled to the end.
  useEffect(() => {
    const element = scroller.current;
    if (element && lines.length > 0 && element.scrollTop < NEAR_START_ROWS * LOG_ROW_HEIGHT) nearStart.current?.();
  }, [firstInView, lines]);

  return (
    <div
      ref={scroller}
      className={classes.scroller}
      tabIndex={0}
      role="log"
      aria-label={t('logs.lines')}
      data-testid="log-view"
      data-following={String(follow)}
    >
      {lines.length === 0 ? (
        <>
          {/* No line shown (a filter may match none of those loaded): older ones can still be loaded. */}
          {startMarker !== undefined && (
            <div
              className={`${classes.start} ${classes.startAlone}`}
              style={{ height: LOG_START_ROW_HEIGHT }}
              data-testid="log-start"
            >
              {startMarker}
            </div>
          )}
          <div className={classes.empty}>{emptyText ?? t('logs.empty')}</div>
        </>
      ) : (
        <div className={classes.sizer} style={{ height: virtualizer.getTotalSize() }}>
          {startMarker !== undefined && (
            <div className={classes.start} style={{ height: LOG_START_ROW_HEIGHT }} data-testid="log-start">
              {startMarker}
            </div>
          )}
          <div className={classes.window} style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
            {items.map((item) => {
              const line = lines[item.index]!;
              return (
                <LogRow
                  key={item.key}
                  line={line}
                  index={item.index}
                  measureRef={virtualizer.measureElement}
                  pattern={pattern}
                  currentNth={current !== null && current.seq === line.seq ? current.nth : -1}
                  target={targetSeq === line.seq}
                  showService={showService}
                />
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}

/** Props of {@link LogRow}. */
export interface LogRowProps {
  line: LogLine;
  /** Position in the list (for the virtualizer's measuring). */
  index?: number;
  /** The virtualizer's measuring ref. */
  measureRef?: (element: HTMLDivElement | null) => void;
  /** Search matches to mark, or null. */
  pattern?: RegExp | null;
  /** Which match of this line is the current one, -1 for none. */
  currentNth?: number;
  /** The line a jump went to. */
  target?: boolean;
  /** Show the line's service before its stream (lines of several services merged). */
  showService?: boolean;
}

const LEVEL_CLASSES = {
  error: classes.error,
  warn: classes.warn,
  info: '',
  debug: classes.debug,
} as const;

/** One line: time, stream, text (matches marked); memoised so a new batch renders only new rows. */
export const LogRow = memo(function LogRow({
  line,
  index,
  measureRef,
  pattern = null,
  currentNth = -1,
  target = false,
  showService = false,
}: LogRowProps) {
  const level = lineLevel(line);
  const className = [
    classes.line,
    LEVEL_CLASSES[level],
    line.stream === 'supervisor' ? classes.supervisor : '',
    target ? classes.target : '',
  ]
    .filter(Boolean)
    .join(' ');
  let nth = 0;
  return (
    <div
      ref={measureRef}
      className={className}
      data-testid="log-line"
      data-index={index}
      data-stream={line.stream}
      data-seq={line.seq}
      data-level={level}
      data-target={target ? 'true' : undefined}
      data-service={line.service}
    >
      <span className={classes.time} title={line.ts}>
        {formatLogTime(line.ts)}
      </span>
      {showService && (
        <span className={classes.service} data-testid="log-line-service">
          {line.service}
        </span>
      )}
      <span className={classes.stream}>{line.stream}</span>
      <span className={classes.text}>
        {pattern === null
          ? line.text
          : splitMatches(line.text, pattern).map((segment, i) => {
              if (!segment.match) return segment.text;
              const isCurrent = nth++ === currentNth;
              return (
                <mark
                  key={i}
                  className={isCurrent ? `${classes.mark} ${classes.current}` : classes.mark}
                  data-current={isCurrent ? 'true' : undefined}
                >
                  {segment.text}
                </mark>
              );
            })}
      </span>
    </div>
  );
});
