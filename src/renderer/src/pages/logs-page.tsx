import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Group,
  Loader,
  NativeSelect,
  Paper,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import {
  useCallback,
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { ServiceStatus } from '../../../shared/services';
import type { LogStream } from '../../../shared/status';
import { errorMessage } from '../api';
import { LogView, type CurrentMatch, type LogViewHandle } from '../components/log-view';
import { formatDateTime, formatNumber } from '../format';
import { useT } from '../i18n';
import { useLogTail } from '../hooks/use-log-tail';
import { primaryName } from '../services/service-of';
import { LOG_LINE_CAP } from '../logs/log-buffer';
import {
  countAfter,
  filterLines,
  indexOfSeq,
  isFiltering,
  LOG_STREAMS,
  SHOW_ALL,
  toggleStream,
  type LevelFilter,
  type LogFilter,
} from '../logs/log-filter';
import { downloadText } from '../logs/download-text';
import { formatLogFile, logFileName } from '../logs/log-save';
import { matchAt, matchNear, matchOrdinal, searchLines, searchPattern, stepMatch } from '../logs/log-search';
import { targetIndex } from '../logs/log-target';
import { useLogTarget } from '../logs/use-log-target';

/** The level filter's choices (labels are translation keys). */
const LEVEL_OPTIONS: { value: LevelFilter; label: string }[] = [
  { value: 'all', label: 'logs.level.all' },
  { value: 'error', label: 'logs.level.error' },
  { value: 'warn', label: 'logs.level.warn' },
  { value: 'info', label: 'logs.level.info' },
  { value: 'debug', label: 'logs.level.debug' },
];

const STREAM_COLORS: Record<LogStream, string> = { stdout: 'gray', stderr: 'red', supervisor: 'violet' };

/** Lines of each page loaded to reach a "Show in logs" time older than the lines held. */
const TARGET_PAGE_LIMIT = 20_000;

/** Props of {@link LogsPage}. */
export interface LogsPageProps {
  /** The stack's services (`services:list`), when known: more than one brings the service filter. */
  services?: readonly Pick<ServiceStatus, 'name' | 'primary'>[];
}

/** The service filter's value for every service's lines, merged by time. */
export const ALL_SERVICES = '*all';

/**
 * The live log tail: stdout, stderr and the supervisor's own lines, newest at the bottom,
 * with follow/pause, stream and level filters, search, "Show in logs" jumps and saving.
 * In a stack of several services, a service filter (the primary's by default, or all of
 * them merged by time). The logic is in `../logs/`; this page holds the view's state and renders.
 */
export function LogsPage({ services }: LogsPageProps = {}) {
  const t = useT();
  const primary = primaryName(services);
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const names = services?.map((s) => s.name) ?? [];
  const stacked = names.length > 1;
  const selected = picked === undefined || picked === primary ? undefined : picked;
  const selector = stacked ? (
    <NativeSelect
      size="xs"
      aria-label={t('logs.service')}
      data={[
        ...services!.map((s) => ({ value: s.name, label: s.primary ? t('logs.primary', { name: s.name }) : s.name })),
        { value: ALL_SERVICES, label: t('logs.allServices') },
      ]}
      value={selected ?? primary}
      onChange={(event) => setPicked(event.currentTarget.value)}
      data-testid="log-service"
    />
  ) : null;
  const merge = selected === ALL_SERVICES ? names : undefined;
  return (
    <LogsPane
      // All services: their list too, so a reload that adds or removes one mounts a new merge.
      key={merge ? `${ALL_SERVICES}:${merge.join('\n')}` : (selected ?? '')}
      service={merge ? undefined : selected}
      primary={primary}
      merge={merge}
      selector={selector}
    />
  );
}

interface LogsPaneProps {
  service: string | undefined;
  primary: string | undefined;
  merge: readonly string[] | undefined;
  selector: ReactNode;
}

function LogsPane({ service, primary, merge, selector }: LogsPaneProps) {
  const t = useT();
  // The newest page at open; older pages as the list is scrolled up (or "Load all").
  const { lines, loading, error, reload, atStart, dropped, loadingOlder, loadOlder } = useLogTail({
    service,
    primary,
    merge,
  });
  const full = lines.length >= LOG_LINE_CAP;
  const moreHeld = !atStart && !full;
  const loadAll = (): void => void loadOlder(LOG_LINE_CAP);
  const onNearStart = useCallback(() => void loadOlder(), [loadOlder]);
  const view = useRef<LogViewHandle>(null);
  const searchInput = useRef<HTMLInputElement>(null);

  // ---- following: the `seq` of the newest line when it paused counts the "N new"
  const [follow, setFollow] = useState(true);
  const [pausedAfter, setPausedAfter] = useState<number | null>(null);
  const lastSeq = lines.length > 0 ? lines[lines.length - 1]!.seq : -1;
  const pause = useCallback(() => {
    setFollow(false);
    setPausedAfter((seq) => seq ?? lastSeq);
  }, [lastSeq]);
  const resume = useCallback(() => {
    setFollow(true);
    setPausedAfter(null);
  }, []);

  // ---- filter, search
  const [filter, setFilter] = useState<LogFilter>(SHOW_ALL);
  const shown = useMemo(() => filterLines(lines, filter), [lines, filter]);
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const pattern = useMemo(() => searchPattern(deferredQuery), [deferredQuery]);
  const search = useMemo(() => searchLines(shown, deferredQuery), [shown, deferredQuery]);
  const [current, setCurrent] = useState<CurrentMatch | null>(null);
  const currentOrdinal = current ? matchOrdinal(search, indexOfSeq(shown, current.seq), current.nth) : -1;
  const newCount = pausedAfter === null ? 0 : countAfter(shown, pausedAfter);

  const goToMatch = (direction: 1 | -1): void => {
    if (search.total === 0) return;
    let k: number;
    if (currentOrdinal >= 0) k = stepMatch(search, currentOrdinal, direction);
    else {
      const range = view.current?.visibleRange() ?? { start: 0, end: 0 };
      k = matchNear(search, direction === 1 ? Math.max(range.start, 0) : Math.max(range.end, 0), direction);
    }
    const position = matchAt(search, k);
    if (!position) return;
    setCurrent({ seq: shown[position.index]!.seq, nth: position.nth });
    pause();
    view.current?.scrollToIndex(position.index);
  };

  const onSearchKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter') {
      event.preventDefault();
      goToMatch(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape' && query !== '') {
      event.preventDefault();
      setQuery('');
      setCurrent(null);
    }
  };

  // The browser's find sees only the rows in view: Ctrl/Cmd+F goes to the search box.
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        searchInput.current?.focus();
        searchInput.current?.select();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  // ---- "Show in logs": `#/logs/?at=<time>` pauses and goes to the first line at or after it
  const at = useLogTarget();
  const [target, setTarget] = useState<{ at: string; seq: number | null; before: boolean } | null>(null);
  useEffect(() => {
    if (at === null || loading || target?.at === at) return;
    const atMs = Date.parse(at);
    const before = lines.length > 0 && Date.parse(lines[0]!.ts) > atMs;
    if (before && moreHeld) {
      // The server may hold older lines (up to LOG_BUFFER_LINES): load pages until the time.
      if (!loadingOlder) void loadOlder(TARGET_PAGE_LIMIT);
      return;
    }
    const found = targetIndex(shown, atMs);
    if (!found) {
      if (lines.length > 0 || error != null) setTarget({ at, seq: null, before });
      return;
    }
    setTarget({ at, seq: shown[found.index]!.seq, before });
    pause();
    view.current?.scrollToIndex(found.index);
  }, [at, loading, error, lines, moreHeld, loadingOlder, loadOlder, shown, target, pause]);

  const jumpToNewest = (): void => {
    setCurrent(null);
    resume();
  };

  const save = (): void => downloadText(logFileName(), formatLogFile(shown));

  const filtering = isFiltering(filter);
  const countText = filtering
    ? t('logs.countOf', { shown: shown.length, count: lines.length })
    : t('logs.count', { count: lines.length });

  return (
    <Stack gap="sm" h="100%" data-testid="logs-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm">
          <Title order={3} fw={600}>
            {t('logs.title')}
          </Title>
          {selector}
          <Badge variant="default" tt="none" data-testid="log-count">
            {countText}
          </Badge>
          {loading && <Loader size="xs" />}
        </Group>
        <Group gap="xs">
          <Tooltip label={t(follow ? 'logs.pauseHint' : 'logs.followHint')} withArrow>
            <Button
              size="xs"
              variant={follow ? 'light' : 'default'}
              aria-pressed={follow}
              onClick={follow ? pause : jumpToNewest}
              data-testid="log-follow"
              data-following={String(follow)}
              leftSection={<span aria-hidden>{follow ? '❚❚' : '▶'}</span>}
            >
              {t(follow ? 'logs.following' : 'logs.paused')}
            </Button>
          </Tooltip>
          <Tooltip label={t('logs.saveHint')} withArrow>
            <Button size="xs" variant="default" onClick={save} disabled={shown.length === 0} data-testid="log-save">
              {t('logs.save')}
            </Button>
          </Tooltip>
        </Group>
      </Group>

      <Group gap="xs" wrap="wrap">
        <Group gap={4} role="group" aria-label={t('logs.streams')}>
          {LOG_STREAMS.map((stream) => (
            <Button
              key={stream}
              size="compact-sm"
              color={STREAM_COLORS[stream]}
              variant={filter.streams[stream] ? 'light' : 'subtle'}
              td={filter.streams[stream] ? undefined : 'line-through'}
              aria-pressed={filter.streams[stream]}
              onClick={() => setFilter((f) => toggleStream(f, stream))}
              data-testid={`log-filter-${stream}`}
            >
              {stream}
            </Button>
          ))}
        </Group>
        <NativeSelect
          size="xs"
          aria-label={t('logs.level')}
          data={LEVEL_OPTIONS.map((o) => ({ value: o.value, label: t(o.label) }))}
          value={filter.level}
          onChange={(event) => {
            const level = event.currentTarget.value as LevelFilter;
            setFilter((f) => ({ ...f, level }));
          }}
          data-testid="log-level"
        />
        <Group gap={4} wrap="nowrap" style={{ flex: '1 1 260px', maxWidth: 520 }}>
          <TextInput
            ref={searchInput}
            size="xs"
            style={{ flex: 1 }}
            placeholder={t('logs.search')}
            aria-label={t('logs.searchLabel')}
            value={query}
            onChange={(event) => {
              setQuery(event.currentTarget.value);
              setCurrent(null);
            }}
            onKeyDown={onSearchKeyDown}
            data-testid="log-search"
          />
          <ActionIcon
            variant="default"
            size="md"
            aria-label={t('logs.prev')}
            disabled={search.total === 0}
            onClick={() => goToMatch(-1)}
            data-testid="log-search-prev"
          >
            ↑
          </ActionIcon>
          <ActionIcon
            variant="default"
            size="md"
            aria-label={t('logs.next')}
            disabled={search.total === 0}
            onClick={() => goToMatch(1)}
            data-testid="log-search-next"
          >
            ↓
          </ActionIcon>
        </Group>
        {deferredQuery !== '' && (
          <Group gap={6}>
            {currentOrdinal >= 0 && (
              <Text size="xs" c="dimmed" data-testid="log-search-position">
                {formatNumber(currentOrdinal + 1)} /
              </Text>
            )}
            <Text size="xs" c={search.total === 0 ? 'red' : 'dimmed'} data-testid="log-search-count">
              {t('logs.matches', { count: search.total })}
            </Text>
            {moreHeld && (
              <Tooltip label={t('logs.searchHint')} withArrow>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  onClick={loadAll}
                  loading={loadingOlder}
                  data-testid="log-search-load-all"
                >
                  {t('logs.searchAll')}
                </Button>
              </Tooltip>
            )}
          </Group>
        )}
      </Group>

      {error != null && (
        <Alert color="red" variant="light" title={t('logs.loadError')} py="xs">
          <Group justify="space-between">
            <Text size="sm">{errorMessage(error)}</Text>
            <Button size="xs" variant="light" color="red" onClick={reload}>
              {t('common.retry')}
            </Button>
          </Group>
        </Alert>
      )}
      {target !== null && target.at === at && (target.before || target.seq === null) && (
        <Text size="xs" c="dimmed" data-testid="log-target-note">
          {target.seq === null
            ? t('logs.noLineAt', { at: formatDateTime(target.at) })
            : t('logs.notHeld', { at: formatDateTime(target.at) })}
        </Text>
      )}

      <Paper withBorder radius="md" pos="relative" style={{ flex: 1, minHeight: 0, overflow: 'hidden' }}>
        <LogView
          ref={view}
          lines={shown}
          follow={follow}
          onPause={pause}
          onResume={resume}
          pattern={pattern}
          current={current}
          targetSeq={target?.at === at ? target.seq : null}
          emptyText={t(loading ? 'logs.loading' : lines.length > 0 ? 'logs.noMatch' : 'logs.empty')}
          showService={merge !== undefined}
          onNearStart={moreHeld ? onNearStart : undefined}
          startMarker={
            lines.length === 0 ? undefined : (
              <Group
                gap="xs"
                data-state={
                  atStart ? (dropped > 0 ? 'dropped' : 'start') : loadingOlder ? 'loading' : full ? 'full' : 'more'
                }
              >
                {atStart && dropped > 0 ? (
                  <Text size="xs" c="dimmed">
                    {t('logs.dropped', { count: dropped })}
                  </Text>
                ) : atStart ? (
                  <Text size="xs" c="dimmed">
                    {t('logs.start')}
                  </Text>
                ) : loadingOlder ? (
                  <>
                    <Loader size={12} />
                    <Text size="xs" c="dimmed">
                      {t('logs.loadingOlder')}
                    </Text>
                  </>
                ) : full ? (
                  <Text size="xs" c="dimmed">
                    {t('logs.full', { count: LOG_LINE_CAP })}
                  </Text>
                ) : (
                  <>
                    <Text size="xs" c="dimmed">
                      {t('logs.olderOnScroll')}
                    </Text>
                    <Button size="compact-xs" variant="subtle" onClick={loadAll} data-testid="log-load-all">
                      {t('logs.loadAll')}
                    </Button>
                  </>
                )}
              </Group>
            )
          }
        />
        {!follow && (
          <Box pos="absolute" bottom={12} right={24}>
            <Button size="xs" radius="xl" onClick={jumpToNewest} data-testid="log-jump-newest">
              Jump to newest{newCount > 0 ? ` (${newCount.toLocaleString()} new)` : ''}
            </Button>
          </Box>
        )}
      </Paper>
    </Stack>
  );
}
