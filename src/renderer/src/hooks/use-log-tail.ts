import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LogLine } from '../../../shared/status';
import { useSupervisorApi } from '../api';
import {
  appendLines,
  LOG_LINE_CAP,
  LOG_PAGE_LIMIT,
  LOG_TAIL_LIMIT,
  mergeTail,
  prependPage,
  reachesStart,
} from '../logs/log-buffer';
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
  /**
   * At the start ({@link atStart}): how many older lines the server no longer holds (its
   * ring dropped them, maybe while the view paged; the log files keep them). 0 otherwise,
   * and when the first line held is the first the service ever logged.
   */
  dropped: number;
  /** True while a page of older lines is being loaded. */
  loadingOlder: boolean;
  /**
   * Loads `limit` older lines (default `pageLimit`; fewer when the cap is near, or the start
   * is reached) before the first one held and puts them before it, page by page (the server
   * may answer fewer lines than asked: a page's bound); does nothing at the start or with
   * `cap` lines held. While a load runs, a call asking for more lines than it has left makes
   * that load go on to them, and resolves at once; a load begun before a reconnect (its pages
   * are no longer applied) does not take it: a new load starts. Resolves when it is applied.
   */
  loadOlder: (limit?: number) => Promise<void>;
}

/** The lines shown, and whether the first of them is the first the server holds. */
interface TailState {
  lines: readonly LogLine[];
  atStart: boolean;
  /** Merged view: older lines its services no longer hold (see {@link LogTail.dropped}). */
  mergedDropped: number;
}

type Action =
  | { type: 'tail'; lines: readonly LogLine[]; cap: number; atStart: boolean }
  | { type: 'append'; lines: readonly LogLine[]; cap: number }
  | { type: 'replace'; lines: readonly LogLine[]; cap: number; atStart: boolean; dropped: number }
  /** A page of older lines, asked for before `first` (dropped when the list no longer starts there). */
  | { type: 'older'; lines: readonly LogLine[]; cap: number; atStart: boolean; first: number; dropped: number };

function reducer(state: TailState, action: Action): TailState {
  // The first line dropped (the cap): the list no longer starts at the server's start.
  const sameStart = (lines: readonly LogLine[], atStart: boolean): TailState => ({
    lines,
    atStart: atStart && (state.lines.length === 0 ? lines.length < action.cap : lines[0] === state.lines[0]),
    mergedDropped: state.mergedDropped,
  });
  switch (action.type) {
    case 'tail': {
      const lines = mergeTail(state.lines, action.lines, action.cap);
      // The tail replaced what was shown, or the older lines shown were kept.
      if (lines[0] === action.lines[0])
        return { lines, atStart: action.atStart && lines.length === action.lines.length, mergedDropped: 0 };
      return sameStart(lines, state.atStart);
    }
    case 'append': {
      const lines = appendLines(state.lines, action.lines, action.cap);
      return lines === state.lines ? state : sameStart(lines, state.atStart);
    }
    case 'replace': {
      const lines =
        action.lines.length > action.cap ? action.lines.slice(action.lines.length - action.cap) : action.lines;
      return { lines, atStart: action.atStart && lines.length === action.lines.length, mergedDropped: action.dropped };
    }
    case 'older': {
      if (state.lines[0]?.seq !== action.first) return state;
      const lines = prependPage(state.lines, action.lines, action.cap);
      const complete = lines.length - state.lines.length === action.lines.length;
      return { lines, atStart: action.atStart && complete, mergedDropped: action.dropped };
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
  const [{ lines, atStart, mergedDropped }, dispatch] = useReducer(reducer, {
    lines: [],
    atStart: false,
    mergedDropped: 0,
  });
  const [loadingOlder, setLoadingOlder] = useState(false);
  // What loadOlder reads without waiting for a render.
  const latest = useRef<{
    lines: readonly LogLine[];
    atStart: boolean;
    loading: boolean;
    generation: number;
    /**
     * The older-page load running: the lines it is to load, those it has loaded, and the tail's
     * generation it belongs to (one of an earlier tail is abandoned: its pages are not applied).
     */
    older: { size: number; loaded: number; generation: number } | null;
  }>({ lines, atStart, loading: true, generation: 0, older: null });
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
    // One service's tail for the merge, and whether it reaches the service's start. A short
    // one may not (an answer is bounded, or the ring dropped lines): one more page tells.
    const tailOf = async (name: string): Promise<{ service: string; lines: readonly LogLine[]; done: boolean }> => {
      const lines = await api.invoke('logs:tail', { limit, service: name });
      if (lines.length >= limit || reachesStart(lines)) return { service: name, lines, done: reachesStart(lines) };
      const older = await api.invoke('logs:tail', {
        limit: limit - lines.length,
        before: lines[0]!.seq,
        service: name,
      });
      return { service: name, lines: older.concat(lines), done: reachesStart(older) };
    };
    const load: Promise<{ type: 'tail' | 'replace'; lines: readonly LogLine[]; atStart: boolean; dropped: number }> =
      merger && mergeNames
        ? Promise.all(mergeNames.map((name) => tailOf(name))).then((tails) => {
            merger.reset();
            return {
              type: 'replace' as const,
              lines: merger.mergeTails(tails),
              atStart: merger.atStart,
              dropped: merger.dropped,
            };
          })
        : api
            .invoke('logs:tail', service === undefined ? { limit } : { limit, service })
            .then((lines) => ({ type: 'tail' as const, lines, atStart: reachesStart(lines), dropped: 0 }));
    load.then(
      (tail) => {
        if (cancelled) return;
        dispatch({ type: tail.type, lines: tail.lines, cap, atStart: tail.atStart, dropped: tail.dropped });
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
      if (now.loading || now.atStart || !first || room <= 0) return;
      // A load of an earlier tail (a reconnect came meanwhile) will apply nothing: a new one starts.
      const running = now.older?.generation === now.generation ? now.older : null;
      if (running) {
        // A load runs (a page asked for by scrolling): a larger ask ("Load all") makes it go
        // on to that many lines rather than being lost.
        running.size = Math.max(running.size, running.loaded + Math.min(want, room, LOG_LINE_CAP));
        return;
      }
      const generation = now.generation;
      const load = { size: Math.max(1, Math.min(want, room, LOG_LINE_CAP)), loaded: 0, generation };
      now.older = load;
      setLoadingOlder(true);
      try {
        // Page by page until `size` lines are loaded or the start: each answer may be short.
        let before = first.seq;
        while (load.loaded < load.size) {
          const limit = load.size - load.loaded;
          let page: readonly LogLine[];
          let pageAtStart: boolean;
          let wantedNone = false;
          if (merger) {
            const wanted = merger.pagesWanted();
            wantedNone = wanted.length === 0;
            const pages = await Promise.all(
              wanted.map((w) => api.invoke('logs:tail', { limit, before: w.before, service: w.service })),
            );
            if (latest.current.generation !== generation) return;
            wanted.forEach((w, i) => merger.addPage(w.service, pages[i]!));
            page = merger.takeOlder();
            pageAtStart = merger.atStart;
          } else {
            page = await api.invoke(
              'logs:tail',
              service === undefined ? { limit, before } : { limit, before, service },
            );
            pageAtStart = reachesStart(page);
          }
          if (latest.current.generation !== generation) return;
          const older = page.filter((line) => line.seq < before);
          dispatch({
            type: 'older',
            lines: page,
            cap,
            atStart: pageAtStart,
            first: before,
            dropped: merger?.dropped ?? 0,
          });
          load.loaded += older.length;
          // Nothing older came: the start, or (merged) no page left to ask for.
          if (pageAtStart || (older.length === 0 && (!merger || wantedNone))) break;
          if (older.length > 0) before = older[0]!.seq;
        }
      } catch (loadError: unknown) {
        if (latest.current.generation === generation) setError(loadError);
      } finally {
        // Only its own mark: an abandoned load ends while a newer one may be running.
        if (latest.current.older === load) {
          latest.current.older = null;
          setLoadingOlder(false);
        }
      }
    },
    [api, cap, merger, pageLimit, service],
  );

  const dropped = !atStart ? 0 : merger ? mergedDropped : (lines[0]?.seq ?? 0);
  return { lines, loading, error, reload, loadedLimit, atStart, dropped, loadingOlder, loadOlder };
}
