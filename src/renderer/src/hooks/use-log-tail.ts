import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LogLine } from '../../../shared/status';
import { useSupervisorApi } from '../api';
import { appendLines, LOG_LINE_CAP, LOG_TAIL_LIMIT, mergeTail } from '../logs/log-buffer';
import { LogMerger } from '../logs/log-merge';
import { belongsTo, LEGACY_SERVICE } from '../services/service-of';
import { useOnReconnect } from './use-on-reconnect';

/** Options of {@link useLogTail}. */
export interface LogTailOptions {
  /** Lines asked for on open and on reconnect. @default 10000 */
  limit?: number;
  /** Lines kept in memory. @default 100000 */
  cap?: number;
  /** Live lines are applied in batches at most this often, ms (a flood stays one render per batch). @default 100 */
  flushMs?: number;
  /** The service whose log to follow; undefined: the primary one (the calls then name no service). */
  service?: string;
  /** The primary service's name when known: lines naming it (or none) are its. */
  primary?: string;
  /**
   * Follow these services' logs at once, merged by time (`limit` lines of each; the lines
   * are renumbered and carry their `service`). Overrides `service`; read once per mount.
   */
  merge?: readonly string[];
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
  | { type: 'tail'; lines: readonly LogLine[]; cap: number }
  | { type: 'append'; lines: readonly LogLine[]; cap: number }
  | { type: 'replace'; lines: readonly LogLine[]; cap: number };

function reducer(state: readonly LogLine[], action: Action): readonly LogLine[] {
  switch (action.type) {
    case 'tail':
      return mergeTail(state, action.lines, action.cap);
    case 'append':
      return appendLines(state, action.lines, action.cap);
    case 'replace':
      return action.lines.length > action.cap ? action.lines.slice(action.lines.length - action.cap) : action.lines;
  }
}

/**
 * The live log tail of one service (or of several, merged by time): loads `logs:tail`,
 * then appends its `backend:log` events (deduplicated by `seq`; a line without `service`
 * is the primary's), keeps the last `cap` lines, and reloads the tail when the event
 * stream reopens. Events that arrive while the tail loads wait, then go after it.
 */
export function useLogTail({
  limit = LOG_TAIL_LIMIT,
  cap = LOG_LINE_CAP,
  flushMs = 100,
  service,
  primary,
  merge,
}: LogTailOptions = {}): LogTail {
  const api = useSupervisorApi();
  // Read once: the page mounts a new tail for another selection.
  const [merger] = useState(() => (merge ? new LogMerger(primary ?? LEGACY_SERVICE) : null));
  const [mergeNames] = useState(merge);
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
      dispatch({ type: 'append', lines: merger ? merger.renumber(batch) : batch, cap });
    };
    flushRef.current = flush;
    const unsubscribe = api.on('backend:log', (line) => {
      if (!merger && !belongsTo(line.service, service, primary)) return;
      if (mergeNames && !mergeNames.includes(line.service ?? primary ?? LEGACY_SERVICE)) return;
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
  }, [api, cap, flushMs, merger, mergeNames, service, primary]);

  useEffect(() => {
    let cancelled = false;
    holding.current = true;
    setLoading(true);
    const load: Promise<{ type: 'tail' | 'replace'; lines: readonly LogLine[] }> =
      merger && mergeNames
        ? Promise.all(mergeNames.map((name) => api.invoke('logs:tail', { limit, service: name }))).then((tails) => {
            merger.reset();
            return {
              type: 'replace' as const,
              lines: merger.mergeTails(tails.map((lines, i) => ({ service: mergeNames[i]!, lines }))),
            };
          })
        : api
            .invoke('logs:tail', service === undefined ? { limit } : { limit, service })
            .then((lines) => ({ type: 'tail' as const, lines }));
    load.then(
      (tail) => {
        if (cancelled) return;
        dispatch({ type: tail.type, lines: tail.lines, cap });
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
  }, [api, limit, cap, generation, merger, mergeNames, service]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useOnReconnect(reload);

  return { lines, loading, error, reload, loadedLimit };
}
