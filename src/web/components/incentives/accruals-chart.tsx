/** Earned per settlement period of a program (the accrual to date), for finance. */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { useIsPhone } from '../charts';
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
        tickLine="y"
        gridAxis="y"
        xAxisProps={{ interval: 'preserveStartEnd', minTickGap: isPhone ? 10 : 4, fontSize: 11 }}
        yAxisProps={{ width: isPhone ? 48 : 60, fontSize: 11 }}
        maxBarWidth={28}
        tooltipAnimationDuration={0}
        tooltipProps={{ wrapperStyle: { zIndex: 10 } }}
      />
    </div>
  );
}
