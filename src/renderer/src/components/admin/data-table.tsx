import { Box, Group, LoadingOverlay, Pagination, Table, Text, UnstyledButton } from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  getPaginationRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type PaginationState,
  type RowData,
  type SortingState,
} from '@tanstack/react-table';
import { useState, type CSSProperties, type ReactNode } from 'react';
import { useT } from '../../i18n';

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the generics must match the library's declaration
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Right-align numbers. */
    align?: 'left' | 'right';
    /** Keep the cell on one line. */
    nowrap?: boolean;
  }
}

/** Attributes put on a body row (`data-testid`, `data-*`, a style). */
export type RowAttributes = { style?: CSSProperties } & { [key: `data-${string}`]: string | undefined };

/** Paging done by the backend: the table shows `data` as page `pageIndex` of `total` rows. */
export interface ServerPaging {
  pageIndex: number;
  pageSize: number;
  /** The backend's total; null when it sent none (then "next" stays open while pages are full). */
  total: number | null;
  onPageChange: (pageIndex: number) => void;
}

/** Props of {@link DataTable}. */
export interface DataTableProps<T> {
  data: T[];
  columns: ColumnDef<T>[];
  getRowId: (row: T) => string;
  /** Attributes of each body row. */
  rowAttributes?: (row: T) => RowAttributes;
  /** `data-testid` of the table; the pager is `<testId>-pagination`, the empty row `<testId>-empty`. */
  testId: string;
  /** Shown in place of rows when `data` is empty. */
  emptyText: ReactNode;
  /** Rows per page when the table pages by itself. @default 10 */
  pageSize?: number;
  /** The backend pages: sorting then orders the rows of the current page only. */
  serverPaging?: ServerPaging;
  /** A change of this value goes back to the first page (e.g. a new filter). */
  resetPageKey?: string;
  initialSorting?: SortingState;
  /** Dim the table with a spinner (e.g. while another page loads). */
  busy?: boolean;
  /** Minimum width before the table scrolls sideways, px. @default 720 */
  minWidth?: number;
}

/**
 * A table of rows with sortable column headers (click: ascending, descending, off) and a
 * pager, built on TanStack Table and drawn with Mantine's Table. Pages by itself unless
 * `serverPaging` says the backend does.
 */
export function DataTable<T>({
  data,
  columns,
  getRowId,
  rowAttributes,
  testId,
  emptyText,
  pageSize = 10,
  serverPaging,
  resetPageKey,
  initialSorting = [],
  busy = false,
  minWidth = 720,
}: DataTableProps<T>) {
  const t = useT();
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [localPaging, setLocalPaging] = useState<PaginationState>({ pageIndex: 0, pageSize });
  const [lastResetKey, setLastResetKey] = useState(resetPageKey);
  if (resetPageKey !== lastResetKey) {
    // Adjusting state to a changed prop during render (no effect, no extra paint).
    setLastResetKey(resetPageKey);
    setLocalPaging((paging) => ({ ...paging, pageIndex: 0 }));
  }

  const localPageCount = Math.max(1, Math.ceil(data.length / localPaging.pageSize));
  // Rows deleted from the last page: show the new last page rather than an empty one.
  const pagination: PaginationState = serverPaging
    ? { pageIndex: serverPaging.pageIndex, pageSize: serverPaging.pageSize }
    : { ...localPaging, pageIndex: Math.min(localPaging.pageIndex, localPageCount - 1) };

  const table = useReactTable({
    data,
    columns,
    getRowId: (row) => getRowId(row),
    state: { sorting, pagination },
    onSortingChange: setSorting,
    onPaginationChange: (updater) => {
      const next = typeof updater === 'function' ? updater(pagination) : updater;
      if (serverPaging) serverPaging.onPageChange(next.pageIndex);
      else setLocalPaging(next);
    },
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getPaginationRowModel: serverPaging ? undefined : getPaginationRowModel(),
    manualPagination: serverPaging !== undefined,
    autoResetPageIndex: false,
  });

  const { pageCount, first, last, total } = pagerFigures(data.length, pagination, serverPaging);
  const rows = table.getRowModel().rows;

  return (
    <Box pos="relative">
      <LoadingOverlay visible={busy} zIndex={5} overlayProps={{ blur: 1 }} loaderProps={{ size: 'sm' }} />
      <Table.ScrollContainer minWidth={minWidth}>
        <Table striped highlightOnHover withTableBorder verticalSpacing="xs" fz="sm" data-testid={testId}>
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {group.headers.map((header) => {
                  const column = header.column;
                  const sorted = column.getIsSorted();
                  const align = column.columnDef.meta?.align;
                  const label = header.isPlaceholder ? null : flexRender(column.columnDef.header, header.getContext());
                  return (
                    <Table.Th
                      key={header.id}
                      ta={align}
                      aria-sort={
                        column.getCanSort()
                          ? sorted === 'asc'
                            ? 'ascending'
                            : sorted === 'desc'
                              ? 'descending'
                              : 'none'
                          : undefined
                      }
                      style={{ whiteSpace: 'nowrap' }}
                    >
                      {column.getCanSort() ? (
                        <UnstyledButton
                          onClick={column.getToggleSortingHandler()}
                          fw={700}
                          fz="sm"
                          data-testid={`${testId}-sort-${column.id}`}
                          title={t('table.sort')}
                        >
                          {label}
                          <Text span c={sorted ? undefined : 'dimmed'} ml={4} fz="xs" aria-hidden>
                            {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                          </Text>
                        </UnstyledButton>
                      ) : (
                        label
                      )}
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {rows.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={columns.length}>
                  <Text c="dimmed" ta="center" py="lg" size="sm" data-testid={`${testId}-empty`}>
                    {emptyText}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : (
              rows.map((row) => (
                <Table.Tr key={row.id} {...rowAttributes?.(row.original)}>
                  {row.getVisibleCells().map((cell) => {
                    const meta = cell.column.columnDef.meta;
                    return (
                      <Table.Td
                        key={cell.id}
                        ta={meta?.align}
                        style={meta?.nowrap ? { whiteSpace: 'nowrap' } : undefined}
                      >
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between" mt="sm" gap="sm" wrap="wrap">
        <Text size="sm" c="dimmed" data-testid={`${testId}-range`}>
          {data.length === 0 && pagination.pageIndex === 0
            ? t('table.noRows')
            : total === null
              ? t('table.range', { first, last })
              : t('table.rangeOf', { first, last, total })}
          {serverPaging && sorting.length > 0 && pageCount > 1 ? t('table.sortedWithinPage') : ''}
        </Text>
        {pageCount > 1 && (
          <Pagination
            size="sm"
            total={pageCount}
            value={pagination.pageIndex + 1}
            onChange={(page) => table.setPageIndex(page - 1)}
            data-testid={`${testId}-pagination`}
          />
        )}
      </Group>
    </Box>
  );
}

/** Page count and the 1-based range shown, for local or backend paging. */
function pagerFigures(
  length: number,
  pagination: PaginationState,
  serverPaging: ServerPaging | undefined,
): { pageCount: number; first: number; last: number; total: number | null } {
  const { pageIndex, pageSize } = pagination;
  if (!serverPaging) {
    const pageCount = Math.max(1, Math.ceil(length / pageSize));
    return {
      pageCount,
      first: length === 0 ? 0 : pageIndex * pageSize + 1,
      last: Math.min(length, (pageIndex + 1) * pageSize),
      total: length,
    };
  }
  const offset = pageIndex * pageSize;
  const { total } = serverPaging;
  // Without a total, one more page is offered while the current one is full.
  const pageCount =
    total !== null ? Math.max(1, Math.ceil(total / pageSize)) : pageIndex + (length === pageSize ? 2 : 1);
  return { pageCount, first: length === 0 ? offset : offset + 1, last: offset + length, total };
}
