/** Small shared pieces of the agreement screens: status badge, attainment bar, local icons. */
import type { ReactNode } from 'react';
import { Badge, Group, Progress, Text } from '@mantine/core';
import { makeIcon } from '../icons';
import type { AgreementStatus } from '../../../shared/schemas/agreements';
import {
  attainmentColor,
  formatAttainment,
  STATUS_COLORS,
  STATUS_LABELS,
} from './agreement-labels';

export function AgreementStatusBadge({
  status,
  size = 'sm',
}: {
  status: AgreementStatus;
  size?: 'xs' | 'sm' | 'md' | 'lg';
}) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status]} size={size} data-status={status}>
      {STATUS_LABELS[status]}
    </Badge>
  );
}

/** "82.0 %" over a bar that fills to 100 % (more than plan shows full, in green). */
export function AttainmentBar({
  pct,
  width = 140,
  label,
}: {
  pct: number | null | undefined;
  width?: number | string;
  label?: string;
}) {
  const color = attainmentColor(pct);
  return (
    <div style={{ width, maxWidth: '100%' }} data-testid="attainment">
      <Group justify="space-between" gap={4} wrap="nowrap">
        <Text size="sm" fw={600} c={pct === null || pct === undefined ? 'dimmed' : `${color}.8`}>
          {formatAttainment(pct)}
        </Text>
        {label && (
          <Text size="xs" c="dimmed">
            {label}
          </Text>
        )}
      </Group>
      <Progress
        value={Math.max(0, Math.min(100, pct ?? 0))}
        color={color}
        size="sm"
        mt={2}
        aria-label={`Attainment ${formatAttainment(pct)}`}
      />
    </div>
  );
}

/** A label over a value, for fact rows. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }} component="div">
        {children}
      </Text>
    </div>
  );
}

export const IconBell = makeIcon([
  'M10 5a2 2 0 1 1 4 0a7 7 0 0 1 4 6v3a4 4 0 0 0 2 3h-16a4 4 0 0 0 2-3v-3a7 7 0 0 1 4-6',
  'M9 17v1a3 3 0 0 0 6 0v-1',
]);
export const IconFileContract = makeIcon([
  'M14 3v4a1 1 0 0 0 1 1h4',
  'M17 21h-10a2 2 0 0 1-2-2v-14a2 2 0 0 1 2-2h7l5 5v11a2 2 0 0 1-2 2z',
  'M9 13h6',
  'M9 17h3',
]);
export const IconShieldCheck = makeIcon([
  'M12 3a12 12 0 0 0 8.5 3a12 12 0 0 1-8.5 15a12 12 0 0 1-8.5-15a12 12 0 0 0 8.5-3',
  'M9 12l2 2 4-4',
]);
export const IconShieldX = makeIcon([
  'M12 3a12 12 0 0 0 8.5 3a12 12 0 0 1-8.5 15a12 12 0 0 1-8.5-15a12 12 0 0 0 8.5-3',
  'M10 10l4 4m0-4l-4 4',
]);
export const IconRefresh = makeIcon([
  'M20 11a8.1 8.1 0 0 0-15.5-2m-.5-4v4h4',
  'M4 13a8.1 8.1 0 0 0 15.5 2m.5 4v-4h-4',
]);
export const IconTrash = makeIcon([
  'M4 7h16',
  'M10 11v6',
  'M14 11v6',
  'M5 7l1 12a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2l1-12',
  'M9 7v-3a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v3',
]);
export const IconPencil = makeIcon([
  'M4 20h4l10.5-10.5a2.8 2.8 0 0 0-4-4l-10.5 10.5v4',
  'M13.5 6.5l4 4',
]);
