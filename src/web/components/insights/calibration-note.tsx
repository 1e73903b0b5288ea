/**
 * Which recalibration a risk's probability used (issue 14: probabilities that mean what they
 * say): "Calibrated on N past cases (fitted <date>)" when the network's own maps were used (the
 * nightly insights.risk-calibration job, fitted on this network's ended terms), else "Shipped
 * default calibration". A short explanation on hover, focus or touch (phones have no hover).
 */
import { Text, Tooltip } from '@mantine/core';
import type { AgreementRisk } from '../../../shared/schemas/insights';
import { formatDate, formatInt, formatMonthLong } from '../../format';

type Calibration = AgreementRisk['calibration'];

export function calibrationLabel(c: Calibration): string {
  return c.source === 'network' && c.cases !== null
    ? `Calibrated on ${formatInt(c.cases)} past cases (fitted ${formatDate(c.fittedAt)})`
    : 'Shipped default calibration';
}

export function calibrationExplanation(c: Calibration): string {
  if (c.source === 'network' && c.terms !== null && c.throughMonth)
    return `The model's raw probability is corrected by how often it came true in this network's own past: ${c.terms} ended ${c.terms === 1 ? 'term' : 'terms'} through ${formatMonthLong(c.throughMonth)}, ${formatInt(c.cases)} dealer and model-line cases at each point of a term. Refitted every night.`;
  return "This network has too few ended terms of its own yet, so the model's raw probability is corrected with the calibration shipped with the app, fitted on other sales series' past terms.";
}

export function CalibrationNote({
  calibration,
  testId,
  prefix,
}: {
  calibration: Calibration;
  testId: string;
  /** Words before the label, e.g. "Tier probabilities: " where one note stands for many rows. */
  prefix?: string;
}) {
  return (
    <Tooltip
      label={calibrationExplanation(calibration)}
      multiline
      w={280}
      withArrow
      events={{ hover: true, focus: true, touch: true }}
    >
      <Text
        size="xs"
        c="dimmed"
        tabIndex={0}
        data-testid={testId}
        data-source={calibration.source}
        style={{ textDecoration: 'underline dotted', cursor: 'help', width: 'fit-content' }}
      >
        {prefix}
        {calibrationLabel(calibration)}
      </Text>
    </Tooltip>
  );
}
