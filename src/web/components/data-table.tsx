/**
 * The web app's table (issue 19): a bordered table that scrolls sideways on a phone, described
 * by its columns (header, cell, alignment, the breakpoint from which a column shows) instead of
 * one JSX skeleton per page. `QueryView` is the loading / error / empty / data switch every list
 * page made by hand.
 */
import { useEffect, useRef, type CSSProperties, type ReactNode } from 'react';
import {
  Anchor,
  Button,
  Paper,
  Table,
  Text,
  type ButtonProps,
  type MantineBreakpoint,
  type TableProps,
  type TableTdProps,
  type TableThProps,
  type TableTrProps,
} from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { formatInt } from '../format';
import { QueryError, TableSkeleton } from './query-state';
import './data-table.css';

export type Column<T> = {
  /** The header's text; a column without one gets an empty header cell. */
  header?: ReactNode;
  /** React key of the column (defaults to the header's text or the column's place). */
  key?: string;
  /** What the cell shows (a column of `count` has none). */
  cell?: (row: T, index: number) => ReactNode;
  /** A whole number (a count, units): formatted as the app formats them, right-aligned. */
  count?: (row: T) => number;
  /** Shown from this breakpoint up only (less important columns hide on phones). */
  from?: MantineBreakpoint;
  align?: 'left' | 'right' | 'center';
  /** Keeps the cell on one line (dates, amounts, buttons). */
  isNowrap?: boolean;
  width?: number | string;
  /** Further props of the header's cell (aria-sort of a sortable column). */
  th?: TableThProps;
  /** Further props of a row's cell (colour, font...). */
  td?: (row: T) => TableTdProps & DataAttributes;
  /** The column's cell in the totals row under the body (a table with no `footer` has none). */
  footer?: ReactNode;
  /** Stays at the left edge while the other columns scroll sideways (a row's name). */
  isSticky?: boolean;
  /** The cell names its row (a `th scope="row"`: a label of a label/value list, a grid's line). */
  isRowHeader?: boolean;
};

/** data-* attributes the e2e tests find rows and cells by. */
type DataAttributes = { [data: `data-${string}`]: string | boolean | undefined };

const NOWRAP: CSSProperties = { whiteSpace: 'nowrap' };
const STICKY: CSSProperties = {
  position: 'sticky',
  left: 0,
  background: 'var(--mantine-color-body)',
  zIndex: 1,
  minWidth: 104,
  maxWidth: 170,
  whiteSpace: 'normal',
  boxShadow: '1px 0 0 var(--mantine-color-gray-3)',
};

function contentOf<T>(c: Column<T>, row: T, index: number): ReactNode {
  return c.count ? formatInt(c.count(row)) : c.cell?.(row, index);
}

function alignOf<T>(c: Column<T>): Column<T>['align'] {
  return c.align ?? (c.count ? 'right' : undefined);
}

function cellStyle<T>(c: Column<T>): CSSProperties | undefined {
  if (c.isSticky) return STICKY;
  return c.isNowrap ? NOWRAP : undefined;
}

export function DataTable<T>({
  rows,
  columns,
  rowKey,
  testId,
  minWidth = 0,
  isDimmed = false,
  isBare = false,
  rowProps,
  footer,
  footerRows = [],
  scrollLabel,
  revealColumn,
  empty,
  isHeadless = false,
  className,
  ...tableProps
}: {
  rows: readonly T[];
  /** Columns; `false`, `null` or `undefined` entries (a column one may not see) are left out. */
  columns: readonly (Column<T> | false | null | undefined)[];
  rowKey: (row: T, index: number) => string | number;
  testId?: string;
  /** Below this width (px) the table scrolls sideways rather than squeezing its columns. */
  minWidth?: number;
  /** The list is being refreshed (a new page or filter is on its way). */
  isDimmed?: boolean;
  /** Without the bordered paper around it (inside a card that already has one). */
  isBare?: boolean;
  rowProps?: (row: T) => TableTrProps & DataAttributes;
  /** Rows under the body (totals) in markup of their own. */
  footer?: ReactNode;
  /** Rows under the body drawn with the columns' cells (totals shaped like a row), in bold. */
  footerRows?: readonly T[];
  /** Names the sideways scroller for screen readers and lets the keyboard scroll it. */
  scrollLabel?: string;
  /** The key of a column brought into view at the right edge when it lies beyond it (the
   * current period of a table of periods). */
  revealColumn?: string;
  /** Shown instead of the table when there are no rows (an `Empty` note). */
  empty?: ReactNode;
  /** Without the header row (a label/value list whose first column names each row). */
  isHeadless?: boolean;
} & Omit<TableProps, 'children' | 'data'>) {
  const shown = columns.filter((c): c is Column<T> => Boolean(c));
  const keyOf = (c: Column<T>, i: number) =>
    c.key ?? (typeof c.header === 'string' ? c.header : String(i));
  const viewport = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = viewport.current;
    if (!el || revealColumn === undefined) return;
    const th = el.querySelector<HTMLElement>(`th[data-column="${CSS.escape(revealColumn)}"]`);
    if (th && th.offsetLeft + th.offsetWidth > el.clientWidth)
      el.scrollLeft = th.offsetLeft + th.offsetWidth - el.clientWidth + 16;
  }, [revealColumn, shown.length]);
  /** A body or footer cell of column `c` (a row header is a `th`). */
  const cellOf = (c: Column<T>, i: number, content: ReactNode, props?: TableTdProps) => {
    const Cell = c.isRowHeader ? Table.Th : Table.Td;
    return (
      <Cell
        key={keyOf(c, i)}
        scope={c.isRowHeader ? 'row' : undefined}
        ta={alignOf(c)}
        visibleFrom={c.from}
        w={c.isRowHeader ? c.width : undefined}
        style={cellStyle(c)}
        {...props}
      >
        {content}
      </Cell>
    );
  };
  const bodyRow = (row: T, r: number, isFooter: boolean) => (
    <Table.Tr key={rowKey(row, r)} fw={isFooter ? 700 : undefined} {...rowProps?.(row)}>
      {shown.map((c, i) => cellOf(c, i, contentOf(c, row, r), c.td?.(row)))}
    </Table.Tr>
  );
  const hasFooterCells = shown.some((c) => c.footer !== undefined);
  const table = (
    <Table.ScrollContainer
      minWidth={minWidth}
      scrollAreaProps={{
        viewportRef: viewport,
        viewportProps: scrollLabel ? { tabIndex: 0, 'aria-label': scrollLabel } : undefined,
      }}
    >
      <Table
        data-testid={testId}
        className={className ? `data-table ${className}` : 'data-table'}
        {...tableProps}
      >
        <Table.Thead hidden={isHeadless}>
          <Table.Tr>
            {shown.map((c, i) => (
              <Table.Th
                key={keyOf(c, i)}
                data-column={keyOf(c, i)}
                ta={alignOf(c)}
                visibleFrom={c.from}
                w={c.width}
                style={c.isSticky ? STICKY : undefined}
                {...c.th}
              >
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{rows.map((row, r) => bodyRow(row, r, false))}</Table.Tbody>
        {(footer || footerRows.length > 0 || hasFooterCells) && (
          <Table.Tfoot>
            {footerRows.map((row, r) => bodyRow(row, r, true))}
            {hasFooterCells && (
              <Table.Tr fw={700}>{shown.map((c, i) => cellOf(c, i, c.footer))}</Table.Tr>
            )}
            {footer}
          </Table.Tfoot>
        )}
      </Table>
    </Table.ScrollContainer>
  );
  if (rows.length === 0 && empty !== undefined) return empty;
  if (isBare) return table;
  return (
    <Paper withBorder style={{ overflow: 'hidden', opacity: isDimmed ? 0.6 : 1 }}>
      {table}
    </Paper>
  );
}

/** A record's name in bold with its code under it, in monospace (the first cell of most lists). */
export function NameCode({ name, code }: { name: ReactNode; code: string }) {
  return (
    <>
      <Text size="sm" fw={600}>
        {name}
      </Text>
      <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {code}
      </Text>
    </>
  );
}

/**
 * A record's name as a link to its page, in bold, with its code under it in monospace; `after`
 * follows the code (a status shown on phones only).
 */
export function LinkNameCode({
  name,
  code,
  to,
  after,
}: {
  name: ReactNode;
  code: string;
  to: string;
  after?: ReactNode;
}) {
  return (
    <>
      <Anchor component={Link} to={to} fw={600} size="sm">
        {name}
      </Anchor>
      <Text size="xs" c="dimmed" ff="monospace">
        {code}
        {after}
      </Text>
    </>
  );
}

/** A row that opens its record when clicked, highlighted while that record is open. */
export function clickableRow(
  onClick: () => void,
  isSelected: boolean,
): TableTrProps & DataAttributes {
  return {
    onClick,
    style: { cursor: 'pointer' },
    bg: isSelected ? 'var(--mantine-color-blue-light)' : undefined,
  };
}

/** A row's small action button ("Edit", "Prices", "Revoke"). */
export function RowButton({
  onClick,
  children,
  ...props
}: ButtonProps & { onClick: () => void; 'data-testid'?: string }) {
  return (
    <Button size="compact-xs" variant="subtle" onClick={onClick} {...props}>
      {children}
    </Button>
  );
}

/**
 * What a query shows: its error (with "Try again"), a skeleton while it loads, `empty` when
 * `isEmpty` says there is nothing, else `children` with the data.
 */
export function QueryView<D>({
  query,
  isEmpty,
  empty,
  loading = <TableSkeleton />,
  children,
}: {
  query: Pick<UseQueryResult<D>, 'isError' | 'error' | 'isPending' | 'data' | 'refetch'>;
  isEmpty?: (data: D) => boolean;
  empty?: ReactNode;
  loading?: ReactNode;
  children: (data: D) => ReactNode;
}) {
  if (query.isError) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending || query.data === undefined) return loading;
  if (isEmpty?.(query.data)) return empty;
  return children(query.data);
}
