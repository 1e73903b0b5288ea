/** A rounded amount ("$2M") whose exact value ("$2,034,512.40") shows on hover and to readers. */
import { Tooltip } from '@mantine/core';
import { formatMoney } from '../format';

export function CompactMoney({
  amount,
  currency,
}: {
  amount: string | null | undefined;
  currency?: string;
}) {
  const compact = formatMoney(amount, currency, { isCompact: true });
  const exact = formatMoney(amount, currency);
  if (compact === exact) return <>{compact}</>;
  return (
    <Tooltip label={exact} openDelay={200}>
      <span title={exact} data-exact={exact} style={{ cursor: 'help' }}>
        {compact}
      </span>
    </Tooltip>
  );
}
