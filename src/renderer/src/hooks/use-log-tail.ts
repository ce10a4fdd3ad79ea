import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LogLine } from '../../../shared/status';
import { useSupervisorApi } from '../api';
import { appendLines, LOG_LINE_CAP, LOG_PAGE_LIMIT, LOG_TAIL_LIMIT, mergeTail, prependPage } from '../logs/log-buffer';
import { LogMerger } from '../logs/log-merge';
import { belongsTo, LEGACY_SERVICE } from '../services/service-of';
import { useOnReconnect } from './use-on-reconnect';

/** Options of {@link useLogTail}. */
export interface LogTailOptions {
  /** Lines asked for on open and on reconnect. @default 1000 */
  limit?: number;
  /** Lines of each older page ({@link LogTail.loadOlder}). @default 2000 */
  pageLimit?: number;
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
  /** True when the first line held is the first the server holds: nothing older to load. */
  atStart: boolean;
  /** True while a page of older lines is being loaded. */
  loadingOlder: boolean;
  /**
   * Loads the page of older lines before the first one held (`limit` lines, default
   * `pageLimit`; fewer when the cap is near) and puts it before them; does nothing while a
   * load runs, at the start, or with `cap` lines held. Resolves when it is applied.
   */
  loadOlder: (limit?: number) => Promise<void>;
}

/** The lines shown, and whether the first of them is the first the server holds. */
interface TailState {
  lines: readonly LogLine[];
  atStart: boolean;
}

type Action =
  | { type: 'tail'; lines: readonly LogLine[]; cap: number; atStart: boolean }
  | { type: 'append'; lines: readonly LogLine[]; cap: number }
  | { type: 'replace'; lines: readonly LogLine[]; cap: number; atStart: boolean }
  /** A page of older lines, asked for before `first` (dropped when the list no longer starts there). */
  | { type: 'older'; lines: readonly LogLine[]; cap: number; atStart: boolean; first: number };

function reducer(state: TailState, action: Action): TailState {
  // The first line dropped (the cap): the list no longer starts at the server's start.
  const sameStart = (lines: readonly LogLine[], atStart: boolean): TailState => ({
    lines,
    atStart: atStart && (state.lines.length === 0 ? lines.length < action.cap : lines[0] === state.lines[0]),
  });
  switch (action.type) {
    case 'tail': {
      const lines = mergeTail(state.lines, action.lines, action.cap);
      // The tail replaced what was shown, or the older lines shown were kept.
      if (lines[0] === action.lines[0])
        return { lines, atStart: action.atStart && lines.length === action.lines.length };
      return sameStart(lines, state.atStart);
    }
    case 'append': {
      const lines = appendLines(state.lines, action.lines, action.cap);
      return lines === state.lines ? state : sameStart(lines, state.atStart);
    }
    case 'replace': {
      const lines =
        action.lines.length > action.cap ? action.lines.slice(action.lines.length - action.cap) : action.lines;
      return { lines, atStart: action.atStart && lines.length === action.lines.length };
    }
    case 'older': {
      if (state.lines[0]?.seq !== action.first) return state;
      const lines = prependPage(state.lines, action.lines, action.cap);
      const complete = lines.length - state.lines.length === action.lines.length;
      return { lines, atStart: action.atStart && complete };
    }
  }
}

/**
 * The live log tail of one service (or of several, merged by time): loads `logs:tail`,
 * then appends its `backend:log` events (deduplicated by `seq`; a line without `service`
 * is the primary's), keeps the last `cap` lines, and reloads the tail when the event
 * stream reopens. Events that arrive while the tail loads wait, then go after it. Older
 * pages (`logs:tail` with `before` the first `seq` held) go before the lines on
 * {@link LogTail.loadOlder}, each line once and none missed between pages.
 */
export function useLogTail({
  limit = LOG_TAIL_LIMIT,
  pageLimit = LOG_PAGE_LIMIT,
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
  const [{ lines, atStart }, dispatch] = useReducer(reducer, { lines: [], atStart: false });
  const [loadingOlder, setLoadingOlder] = useState(false);
  // What loadOlder reads without waiting for a render.
  const latest = useRef({ lines, atStart, loading: true, generation: 0, older: false });
  latest.current.lines = lines;
  latest.current.atStart = atStart;
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
    latest.current.loading = true;
    latest.current.generation++;
    setLoading(true);
    const load: Promise<{ type: 'tail' | 'replace'; lines: readonly LogLine[]; atStart: boolean }> =
      merger && mergeNames
        ? Promise.all(mergeNames.map((name) => api.invoke('logs:tail', { limit, service: name }))).then((tails) => {
            merger.reset();
            return {
              type: 'replace' as const,
              lines: merger.mergeTails(
                tails.map((lines, i) => ({ service: mergeNames[i]!, lines })),
                limit,
              ),
              atStart: merger.atStart,
            };
          })
        : api
            .invoke('logs:tail', service === undefined ? { limit } : { limit, service })
            .then((lines) => ({ type: 'tail' as const, lines, atStart: lines.length < limit }));
    load.then(
      (tail) => {
        if (cancelled) return;
        dispatch({ type: tail.type, lines: tail.lines, cap, atStart: tail.atStart });
        latest.current.loading = false;
        setError(null);
        setLoading(false);
        setLoadedLimit(limit);
        holding.current = false;
        flushRef.current();
      },
      (loadError: unknown) => {
        if (cancelled) return;
        latest.current.loading = false;
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

  const loadOlder = useCallback(
    async (want = pageLimit): Promise<void> => {
      const now = latest.current;
      const first = now.lines[0];
      const room = cap - now.lines.length;
      if (now.older || now.loading || now.atStart || !first || room <= 0) return;
      const size = Math.max(1, Math.min(want, room, LOG_LINE_CAP));
      const generation = now.generation;
      now.older = true;
      setLoadingOlder(true);
      try {
        let page: readonly LogLine[];
        let pageAtStart: boolean;
        if (merger) {
          const wanted = merger.pagesWanted();
          const pages = await Promise.all(
            wanted.map((w) => api.invoke('logs:tail', { limit: size, before: w.before, service: w.service })),
          );
          if (latest.current.generation !== generation) return;
          wanted.forEach((w, i) => merger.addPage(w.service, pages[i]!, size));
          page = merger.takeOlder();
          pageAtStart = merger.atStart;
        } else {
          const before = first.seq;
          page = await api.invoke(
            'logs:tail',
            service === undefined ? { limit: size, before } : { limit: size, before, service },
          );
          pageAtStart = page.length < size;
        }
        if (latest.current.generation !== generation) return;
        dispatch({ type: 'older', lines: page, cap, atStart: pageAtStart, first: first.seq });
      } catch (loadError: unknown) {
        if (latest.current.generation === generation) setError(loadError);
      } finally {
        latest.current.older = false;
        setLoadingOlder(false);
      }
    },
    [api, cap, merger, pageLimit, service],
  );

  return { lines, loading, error, reload, loadedLimit, atStart, loadingOlder, loadOlder };
}
