/** Earned per settlement period of a program (the accrual to date), for finance. */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { monthBarsLook, useIsPhone } from '../charts';
import { formatMoney } from '../../format';
import { formatSettlementPeriod } from './incentive-labels';
import type { Accruals } from './incentive-queries';

export function AccrualsChart({ accruals }: { accruals: Accruals }) {
  const isPhone = useIsPhone();
  const data = accruals.months.map((m) => ({
    month: formatSettlementPeriod(m.month),
    earned: Number(m.earned),
  }));
  return (
    <div data-testid="accruals-chart">
      <BarChart
        h={isPhone ? 200 : 240}
        data={data}
        dataKey="month"
        series={[{ name: 'earned', label: 'Earned', color: 'teal.6' }]}
        valueFormatter={(v) => formatMoney(String(v), accruals.currency, { isCompact: true })}
        {...monthBarsLook(isPhone, { tickGap: [10, 4], axisWidth: [48, 60] })}
      />
    </div>
  );
}
