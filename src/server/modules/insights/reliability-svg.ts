/** A reliability diagram (SVG) of a risk backtest: one panel per elapsed point, model vs run-rate. */
import type { RiskBacktestReport } from './risk-backtest';

export function reliabilitySvg(report: RiskBacktestReport): string {
  const size = 220;
  const pad = 48;
  const panels = report.summary.length;
  const width = panels * (size + pad) + pad;
  const height = size + 2 * pad + 20;
  const parts: string[] = [];
  report.summary.forEach((s, index) => {
    const x0 = pad + index * (size + pad);
    const y0 = pad;
    const px = (p: number) => x0 + p * size;
    const py = (p: number) => y0 + (1 - p) * size;
    parts.push(
      `<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="#fff" stroke="#999"/>`,
    );
    parts.push(
      `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`,
    );
    const path = (bins: typeof s.reliability, colour: string) => {
      const points = bins
        .filter((b) => b.cases > 0)
        .map((b) => `${px(b.meanProbability).toFixed(1)},${py(b.observed).toFixed(1)}`);
      return (
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"/>` +
        bins
          .filter((b) => b.cases > 0)
          .map(
            (b) =>
              `<circle cx="${px(b.meanProbability).toFixed(1)}" cy="${py(b.observed).toFixed(1)}" r="${Math.min(6, 1.5 + Math.sqrt(b.cases) / 8).toFixed(1)}" fill="${colour}"/>`,
          )
          .join('')
      );
    };
    parts.push(path(s.runRateReliability, '#d9822b'));
    parts.push(path(s.reliability, '#1f6feb'));
    parts.push(
      `<text x="${x0}" y="${y0 - 22}" font-size="12" font-weight="bold">elapsed ${s.elapsed}: ECE ${s.model.ece.toFixed(3)}</text>` +
        `<text x="${x0}" y="${y0 - 8}" font-size="11">Brier ${s.model.brier.toFixed(3)} (run-rate ${s.runRate.brier.toFixed(3)}, base ${s.model.baseRateBrier.toFixed(3)})</text>`,
    );
    parts.push(
      `<text x="${x0 + size / 2}" y="${y0 + size + 16}" font-size="11" text-anchor="middle">predicted probability</text>`,
    );
  });
  parts.push(
    `<text x="${pad}" y="${height - 6}" font-size="11"><tspan fill="#1f6feb">● model (recalibrated, ${report.protocol === 'walk-forward' ? 'walk-forward: earlier terms only' : 'cross-fitted by series'})</tspan>  <tspan fill="#d9822b">● run-rate (Platt)</tspan>  — observed share reaching the commitment per 10 % bin</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}
