import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LogLine } from '../../../shared/status';
import { useSupervisorApi } from '../api';
import { appendLines, LOG_LINE_CAP, LOG_TAIL_LIMIT, mergeTail } from '../logs/log-buffer';
import { useOnReconnect } from './use-on-reconnect';

/** Options of {@link useLogTail}. */
export interface LogTailOptions {
  /** Lines asked for on open and on reconnect. @default 10000 */
  limit?: number;
  /** Lines kept in memory. @default 100000 */
  cap?: number;
  /** Live lines are applied in batches at most this often, ms (a flood stays one render per batch). @default 100 */
  flushMs?: number;
}

/** What {@link useLogTail} returns. */
export interface LogTail {
  /** Lines in `seq` order, oldest first, at most `cap`. */
  lines: readonly LogLine[];
  /** True while the tail is being (re)loaded. */
  loading: boolean;
  /** The tail's load error, if the last load failed (live lines still arrive). */
  error: unknown;
  /** Loads the tail again. */
  reload: () => void;
  /** The `limit` of the last tail load that finished (0 before the first): more may be asked for. */
  loadedLimit: number;
}

type Action =
  { type: 'tail'; lines: readonly LogLine[]; cap: number } | { type: 'append'; lines: readonly LogLine[]; cap: number };

function reducer(state: readonly LogLine[], action: Action): readonly LogLine[] {
  return action.type === 'tail'
    ? mergeTail(state, action.lines, action.cap)
    : appendLines(state, action.lines, action.cap);
}

/**
 * The live log tail: loads `logs:tail`, then appends `backend:log` events (deduplicated by
 * `seq`), keeps the last `cap` lines, and reloads the tail when the event stream reopens.
 * Events that arrive while the tail loads wait, then go after it.
 */
export function useLogTail({
  limit = LOG_TAIL_LIMIT,
  cap = LOG_LINE_CAP,
  flushMs = 100,
}: LogTailOptions = {}): LogTail {
  const api = useSupervisorApi();
  const [lines, dispatch] = useReducer(reducer, []);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [loadedLimit, setLoadedLimit] = useState(0);
  const [generation, setGeneration] = useState(0);
  const pending = useRef<LogLine[]>([]);
  const holding = useRef(true);
  const flushRef = useRef<() => void>(() => {});

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (holding.current || pending.current.length === 0) return;
      const batch = pending.current;
      pending.current = [];
      dispatch({ type: 'append', lines: batch, cap });
    };
    flushRef.current = flush;
    const unsubscribe = api.on('backend:log', (line) => {
      pending.current.push(line);
      // Bound memory while held (a slow tail during a flood): only the last `cap` can be shown.
      if (pending.current.length > cap * 2) pending.current.splice(0, pending.current.length - cap);
      if (timer === undefined && !holding.current) timer = setTimeout(flush, flushMs);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
      flushRef.current = () => {};
    };
  }, [api, cap, flushMs]);

  useEffect(() => {
    let cancelled = false;
    holding.current = true;
    setLoading(true);
    api.invoke('logs:tail', { limit }).then(
      (tail) => {
        if (cancelled) return;
        dispatch({ type: 'tail', lines: tail, cap });
        setError(null);
        setLoading(false);
        setLoadedLimit(limit);
        holding.current = false;
        flushRef.current();
      },
      (loadError: unknown) => {
        if (cancelled) return;
        setError(loadError);
        setLoading(false);
        setLoadedLimit(limit);
        holding.current = false;
        flushRef.current();
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, limit, cap, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useOnReconnect(reload);

  return { lines, loading, error, reload, loadedLimit };
}
