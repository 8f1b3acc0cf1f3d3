/** The benchmark chart as hand-written SVG: goodput, probe p99 and wire overhead per link and transport. */
import type { BenchmarkReport } from './report.js';
import { isWarm, type RunResult } from './run.js';
import { representativeRuns, withPooledProbes } from './summary.js';
import { TRANSPORTS, type TransportId } from './transports.js';

const WIDTH = 980;
const PANEL_HEIGHT = 250;
const PANEL_GAP = 40;
const LEGEND_HEIGHT = 50;
const MARGIN_LEFT = 70;
const MARGIN_RIGHT = 20;
const AXIS_LABEL_HEIGHT = 34;
const BAR_GAP = 3;
const GROUP_PADDING = 18;
const FONT = 'font-family="sans-serif" font-size="12"';

const COLORS: Record<TransportId, string> = {
  'tcp-cubic': '#9e9e9e',
  'tcp-bbr': '#616161',
  'go-kcptun': '#1f77b4',
  'ts-kcptun': '#ff7f0e',
  'ts-fast': '#ffbb78',
  'ts-auto': '#2ca02c',
  'ts-auto-go': '#98df8a',
};

interface Panel {
  title: string;
  value: (r: RunResult) => number | null;
  log: boolean;
  format: (v: number) => string;
}

const PANELS: Panel[] = [
  {
    title: 'Goodput, Mbit/s (log scale, higher is better)',
    value: (r) => (r.receivedBytes > 0 ? r.goodputMbit : null),
    log: true,
    format: (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)),
  },
  {
    title: 'Request/response p99 during the transfer, ms (log scale, lower is better)',
    value: (r) => r.probe.p99Ms,
    log: true,
    format: (v) => v.toFixed(0),
  },
  {
    title: 'Bytes on the link per byte delivered (lower is better)',
    value: (r) => r.wire?.perDeliveredByte ?? null,
    log: false,
    format: (v) => v.toFixed(2),
  },
];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Scale {
  y: (v: number) => number;
  ticks: number[];
}

function makeScale(values: number[], log: boolean, top: number, bottom: number): Scale {
  if (log) {
    const lo = Math.floor(Math.log10(Math.min(...values)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    return { y: (v) => bottom - ((Math.log10(v) - lo) / (hi - lo)) * (bottom - top), ticks };
  }
  const max = Math.max(...values);
  const step = max <= 2 ? 0.25 : max <= 5 ? 0.5 : max <= 20 ? 2 : 5;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= hi + 1e-9; t += step) ticks.push(t);
  return { y: (v) => bottom - (v / hi) * (bottom - top), ticks };
}

function renderPanel(panel: Panel, report: BenchmarkReport, top: number): string {
  const out: string[] = [];
  const bottom = top + PANEL_HEIGHT - AXIS_LABEL_HEIGHT;
  const plotTop = top + 20;
  out.push(
    `<text x="${MARGIN_LEFT}" y="${top + 12}" ${FONT} font-weight="bold">${escapeXml(panel.title)}</text>`,
  );
  const values = report.runs.map(panel.value).filter((v): v is number => v !== null && v > 0);
  if (values.length === 0) return out.join('\n');
  const scale = makeScale(values, panel.log, plotTop, bottom);
  for (const t of scale.ticks) {
    const y = scale.y(t).toFixed(1);
    out.push(`<line x1="${MARGIN_LEFT}" x2="${WIDTH - MARGIN_RIGHT}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(
      `<text x="${MARGIN_LEFT - 6}" y="${y}" ${FONT} text-anchor="end" dy="4">${panel.format(t)}</text>`,
    );
  }
  const transports = TRANSPORTS.filter((t) => report.runs.some((r) => r.transport === t.id));
  const groupWidth = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / report.profiles.length;
  const barWidth = (groupWidth - 2 * GROUP_PADDING) / transports.length - BAR_GAP;
  report.profiles.forEach((profile, g) => {
    const groupLeft = MARGIN_LEFT + g * groupWidth;
    out.push(
      `<text x="${(groupLeft + groupWidth / 2).toFixed(1)}" y="${bottom + 18}" ${FONT} text-anchor="middle">${escapeXml(profile.label)}</text>`,
    );
    transports.forEach((t, i) => {
      const run = report.runs.find((r) => r.profile === profile.id && r.transport === t.id);
      const v = run === undefined ? null : panel.value(run);
      const x = groupLeft + GROUP_PADDING + i * (barWidth + BAR_GAP);
      if (v === null || v <= 0) {
        out.push(
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${bottom - 4}" ${FONT} text-anchor="middle">–</text>`,
        );
        return;
      }
      const y = Math.min(bottom - 1, scale.y(v));
      const failed = run !== undefined && !run.ok;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(bottom - y).toFixed(1)}" fill="${COLORS[t.id]}"${failed ? ' fill-opacity="0.35"' : ''}><title>${escapeXml(`${profile.label}, ${t.label}: ${panel.format(v)}`)}</title></rect>`,
      );
      out.push(
        `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" font-family="sans-serif" font-size="9" text-anchor="middle">${panel.format(v)}</text>`,
      );
    });
  });
  out.push(
    `<line x1="${MARGIN_LEFT}" x2="${WIDTH - MARGIN_RIGHT}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
  );
  return out.join('\n');
}

/** The cold runs' chart (the warm ones are a table of the markdown). */
export function renderChart(full: BenchmarkReport): string {
  const cold = full.runs.filter((r) => !isWarm(r));
  const report = { ...full, runs: withPooledProbes(representativeRuns(cold), cold) };
  const height = LEGEND_HEIGHT + PANELS.length * (PANEL_HEIGHT + PANEL_GAP);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
  ];
  const transports = TRANSPORTS.filter((t) => report.runs.some((r) => r.transport === t.id));
  let x = MARGIN_LEFT;
  for (const t of transports) {
    parts.push(`<rect x="${x}" y="18" width="14" height="14" fill="${COLORS[t.id]}"/>`);
    parts.push(`<text x="${x + 20}" y="30" ${FONT}>${escapeXml(t.label)}</text>`);
    x += 40 + t.label.length * 7;
  }
  PANELS.forEach((panel, i) => {
    parts.push(renderPanel(panel, report, LEGEND_HEIGHT + i * (PANEL_HEIGHT + PANEL_GAP)));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
