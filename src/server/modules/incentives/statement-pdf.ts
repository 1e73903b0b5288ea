/**
 * A printable incentive statement (PDF, A4) rendered with pdfkit from the same StatementDetail the
 * API returns: header, summary (measure, tier, earned, previously settled, amount due), every line
 * with its transaction, VIN, SKU, tier and rate, the adjustments and clawbacks, and the excluded
 * rows. Amounts are the API's decimal strings, only grouped for reading: never recomputed, so the
 * PDF shows the statement to the cent.
 */
import PDFDocument from 'pdfkit';
import type { StatementDetail, StatementLineView } from '../../../shared/schemas/incentives';

export type StatementPdfOptions = {
  programName: string;
  /** Shown in the footer ("generated … by …"). */
  generatedAt: string;
  /** pdfkit compresses page streams by default; tests may turn it off to read the text. */
  compress?: boolean;
};

/** "12000.5" → "12,000.5"; the digits stay exactly as given. */
export function groupDigits(amount: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign, whole, fraction = ''] = match;
  return `${sign}${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`;
}

function money(amount: string | null, currency: string): string {
  return amount === null ? '–' : `${groupDigits(amount)} ${currency}`;
}

const KIND_LABELS: Record<StatementLineView['kind'], string> = {
  benefit: 'Benefit',
  clawback: 'Clawback',
  adjustment: 'Adjustment',
  cap: 'Cap',
  correction: 'Correction',
};

const MARGIN = 40;
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';

type Column = { key: string; label: string; width: number; align?: 'left' | 'right' };

/** The headings of the lines table's columns; all but date, transaction, VIN and SKU hold numbers. */
const HEADINGS: Record<string, string> = {
  no: '#',
  date: 'Date',
  tx: 'Transaction',
  vin: 'VIN',
  sku: 'SKU',
  qty: 'Qty',
  price: 'Unit price',
  rate: 'Rate',
  tier: 'Tier from',
  amount: 'Amount',
};
const TEXT_COLUMNS = new Set(['date', 'tx', 'vin', 'sku']);

/** Columns `keys` with their `widths` in points (A4 portrait: 515 pt between the margins). */
function columnsOf(keys: string[], widths: number[]): Column[] {
  return keys.map((key, i) => ({
    key,
    label: HEADINGS[key]!,
    width: widths[i]!,
    ...(TEXT_COLUMNS.has(key) ? {} : { align: 'right' as const }),
  }));
}

/** The lines table. */
const COLUMNS = columnsOf(
  ['no', 'date', 'tx', 'vin', 'sku', 'qty', 'rate', 'tier', 'amount'],
  [24, 56, 58, 96, 70, 26, 56, 45, 84],
);

/** A percent_of_msrp statement shows the unit price used on each line (issue 11). */
const PRICED_COLUMNS = columnsOf(
  ['no', 'date', 'tx', 'vin', 'sku', 'qty', 'price', 'rate', 'tier', 'amount'],
  [22, 54, 50, 90, 62, 22, 64, 40, 40, 71],
);

function cells(line: StatementLineView): Record<string, string> {
  const rate =
    line.rate ?? (line.parts && line.parts.length > 0 ? `${line.parts.length} rates` : '');
  return {
    no: String(line.lineNo),
    date: line.date ?? '',
    tx: line.transactionId ?? KIND_LABELS[line.kind],
    vin: line.vin ?? '',
    sku: line.sku ?? '',
    qty: line.quantity === null ? '' : String(line.quantity),
    rate: line.kind === 'correction' ? `for ${line.correctsPeriod ?? ''}` : rate,
    tier: line.tierFrom ?? '',
    price: line.unitPrice === null ? '' : groupDigits(line.unitPrice),
    amount: groupDigits(line.amount),
  };
}

/** Renders the statement; resolves with the PDF bytes. */
export function renderStatementPdf(
  statement: StatementDetail,
  options: StatementPdfOptions,
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    compress: options.compress ?? true,
    info: {
      Title: `Statement ${statement.programCode} ${statement.dealerCode} ${statement.period}`,
      Author: 'Forecourt',
      Subject: `${options.programName}: ${statement.dealerName}`,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - 24;
  const s = statement;

  // Header
  doc.font(BOLD).fontSize(18).text('Incentive statement', MARGIN, MARGIN);
  doc.moveDown(0.2);
  doc.font(FONT).fontSize(11).fillColor('#333333');
  doc.text(`${options.programName} (${s.programCode}, version ${s.versionNo})`);
  doc.text(`${s.dealerName} (${s.dealerCode})`);
  doc.text(
    `Settlement period ${s.period}: ${s.window.start} to ${s.window.end}, cut-off ${s.cutoff}`,
  );
  doc.text(
    `Status: ${s.status}${s.approvedBy ? ` (approved by ${s.approvedBy})` : ''}${s.capApplied ? '; the cap per dealer applies' : ''}`,
  );
  doc.fillColor('black').moveDown(0.8);

  // Summary box
  const summary: [string, string, boolean][] = [
    ['Measure', s.measureValue ?? (s.measureNote ? `undefined (${s.measureNote})` : '–'), false],
    [
      'Tier reached',
      s.tierReached === null
        ? 'none'
        : `from ${s.tierReached}${s.tierValue ? ` (value ${s.tierValue})` : ''}`,
      false,
    ],
    ['Earned', money(s.earned, s.currency), false],
    ['Previously settled', money(s.previouslySettled, s.currency), false],
    ['Amount due', money(s.amountDue, s.currency), true],
  ];
  const boxTop = doc.y;
  const rowH = 16;
  doc.rect(MARGIN, boxTop, width, summary.length * rowH + 12).fillAndStroke('#f3f5f8', '#c9d1dc');
  doc.fillColor('black');
  summary.forEach(([label, value, isStrong], i) => {
    const y = boxTop + 6 + i * rowH;
    doc
      .font(FONT)
      .fontSize(10)
      .text(label, MARGIN + 10, y, { width: 160, lineBreak: false });
    doc
      .font(isStrong ? BOLD : FONT)
      .fontSize(isStrong ? 11 : 10)
      .text(value, MARGIN + 170, y, { width: width - 180, align: 'right', lineBreak: false });
  });
  doc.y = boxTop + summary.length * rowH + 20;
  doc.x = MARGIN;
  if (!s.eligible) {
    doc
      .font(BOLD)
      .fontSize(10)
      .fillColor('#a61b1b')
      .text(`Not eligible: ${s.ineligibleReasons.join('; ')}`, { width });
    doc.fillColor('black').moveDown(0.5);
  }

  // Lines
  doc.font(BOLD).fontSize(12).text(`Lines (${s.lines.length})`, MARGIN, doc.y);
  doc
    .font(FONT)
    .fontSize(8.5)
    .fillColor('#555555')
    .text(
      'Each benefit line is one transaction of the sales feed, paid at the tier and rate shown; every amount is rounded once, half-up, to the cent, and the lines add up to the amount earned.',
      { width },
    );
  doc.fillColor('black').moveDown(0.4);

  const columns = s.lines.some((l) => l.unitPrice !== null) ? PRICED_COLUMNS : COLUMNS;
  const header = () => {
    let x = MARGIN;
    const y = doc.y;
    doc.font(BOLD).fontSize(8);
    for (const c of columns) {
      doc.text(c.label, x + 2, y, {
        width: c.width - 4,
        align: c.align ?? 'left',
        lineBreak: false,
      });
      x += c.width;
    }
    doc
      .moveTo(MARGIN, y + 11)
      .lineTo(MARGIN + width, y + 11)
      .lineWidth(0.6)
      .strokeColor('#888888')
      .stroke();
    doc.y = y + 14;
  };
  header();
  doc.font(FONT).fontSize(8);
  for (const line of s.lines) {
    const explanation = line.kind === 'benefit' ? null : line.explanation;
    const needed = 12 + (explanation ? 11 : 0);
    if (doc.y + needed > bottom()) {
      doc.addPage();
      doc.y = MARGIN;
      header();
      doc.font(FONT).fontSize(8);
    }
    const y = doc.y;
    let x = MARGIN;
    const row = cells(line);
    for (const c of columns) {
      doc.text(row[c.key] ?? '', x + 2, y, {
        width: c.width - 4,
        align: c.align ?? 'left',
        lineBreak: false,
        ellipsis: true,
      });
      x += c.width;
    }
    doc.y = y + 11;
    if (explanation) {
      doc.fillColor('#555555').text(explanation, MARGIN + 24, doc.y, {
        width: width - 24,
        lineBreak: false,
        ellipsis: true,
      });
      doc.fillColor('black');
      doc.y += 2;
    }
  }
  // Total row
  if (doc.y + 30 > bottom()) {
    doc.addPage();
    doc.y = MARGIN;
  }
  const totalY = doc.y + 2;
  doc
    .moveTo(MARGIN, totalY)
    .lineTo(MARGIN + width, totalY)
    .lineWidth(0.8)
    .strokeColor('#333333')
    .stroke();
  doc
    .font(BOLD)
    .fontSize(9)
    .text('Total earned', MARGIN + 2, totalY + 4, { width: 200, lineBreak: false });
  doc.text(money(s.earned, s.currency), MARGIN + width - 200, totalY + 4, {
    width: 198,
    align: 'right',
    lineBreak: false,
  });
  doc.y = totalY + 20;
  doc.x = MARGIN;

  // Adjustments, clawbacks and the cap, with their explanations
  const others = s.lines.filter((l) => l.kind !== 'benefit');
  if (others.length > 0) {
    doc.moveDown(0.6).font(BOLD).fontSize(12).text('Adjustments, clawbacks and cap', MARGIN);
    doc.font(FONT).fontSize(9);
    for (const l of others) {
      doc.text(
        `Line ${l.lineNo} (${KIND_LABELS[l.kind]}): ${groupDigits(l.amount)} ${s.currency}. ${l.explanation}`,
        MARGIN,
        doc.y,
        { width },
      );
    }
  }

  // Excluded rows
  if (s.excluded.length > 0) {
    doc.moveDown(0.6).font(BOLD).fontSize(12).text(`Not counted (${s.excluded.length})`, MARGIN);
    doc.font(FONT).fontSize(8.5);
    for (const e of s.excluded.slice(0, 200)) {
      doc.text(`Transaction ${e.transactionId}: ${e.reason}. ${e.detail}`, MARGIN, doc.y, {
        width,
      });
    }
    if (s.excluded.length > 200) doc.text(`…and ${s.excluded.length - 200} more`, { width });
  }

  // Footers: page numbers on every page
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin must not start a new page.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN + 4;
    doc
      .font(FONT)
      .fontSize(7.5)
      .fillColor('#777777')
      .text(
        `${s.programCode} · ${s.dealerCode} · ${s.period} · generated ${options.generatedAt}`,
        MARGIN,
        y,
        { width: width - 80, lineBreak: false, height: 10 },
      )
      .text(`Page ${i + 1 - range.start} of ${range.count}`, MARGIN + width - 80, y, {
        width: 80,
        align: 'right',
        lineBreak: false,
        height: 10,
      });
  }
  doc.end();
  return done;
}
