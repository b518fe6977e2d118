/**
 * The chart in perf/results/throughput.svg, hand-written SVG in two panels,
 * both log-log against message size: messages/s for every PUSH→PULL series,
 * and bytes/s for the large sizes (with the fresh-buffer rows and the raw
 * `net` baselines), where messages/s hides how close to the wire a figure is.
 * A line joins two points only when no size between them went unmeasured, so
 * a gap in the data is a gap in the line. The legend sits under the panels
 * and grows with the number of series.
 */
import { WHO_NAME, type Row, type Who } from "./report.js";
import { fmtSize } from "./stats.js";

const W = 900;
const PANEL_H = 340;
const M = { left: 92, right: 20, top: 40, bottom: 56 };
const COLORS: Record<string, string> = {
  inproc: "#1b9e77",
  "inproc, fresh buffer": "#a6761d",
  workers: "#66a61e",
  ipc: "#7570b3",
  tcp: "#d95f02",
  "tcp, 2 processes": "#e7298a",
  "tcp, 1 process": "#666666",
};
const DASH: Record<Who, string> = { zocket: "", zeromq: ` stroke-dasharray="7 4"`, baseline: ` stroke-dasharray="2 3"` };

interface Series {
  who: Who;
  label: string;
  color: string;
  points: [number, number][];
}

/** The series of one panel: one per (who, row name, transport), a point per measured size. */
function collect(rows: readonly Row[], keep: (r: Row) => boolean, y: (r: Row, v: number) => number): Series[] {
  const out = new Map<string, Series>();
  for (const r of rows.filter(keep)) {
    for (const who of ["zocket", "zeromq", "baseline"] as const) {
      const f = r[who];
      if (f === null) continue;
      const fresh = r.name.includes("fresh buffer");
      const transport = fresh ? `${r.transport}, fresh buffer` : r.transport;
      const label = `${WHO_NAME[who === "baseline" ? "baseline" : who].replace("raw baseline", "raw Node net")} ${transport}`;
      const key = `${who}|${transport}`;
      if (!out.has(key)) out.set(key, { who, label, color: COLORS[transport] ?? "#999", points: [] });
      out.get(key)!.points.push([r.size, y(r, f.median)]);
    }
  }
  return [...out.values()];
}

/** "100 k", "1 M", "10 G" (bytes/s: "100 MB/s"). */
const tickLabel = (v: number, unit: string): string => {
  const [n, p] = v >= 1e9 ? [v / 1e9, " G"] : v >= 1e6 ? [v / 1e6, " M"] : v >= 1e3 ? [v / 1e3, " k"] : [v, ""];
  return unit === "B/s" ? `${n}${p || " "}B/s` : `${n}${p}`;
};

function panel(out: string[], top: number, title: string, unit: string, series: Series[], sizes: number[]): void {
  const x0p = M.left;
  const x1p = W - M.right;
  const y0p = top + PANEL_H - M.bottom;
  const y1p = top + M.top;
  out.push(`<text x="${x0p}" y="${top + 22}" font-size="15" font-weight="bold">${title}</text>`);
  const values = series.flatMap((s) => s.points.map((p) => p[1]));
  if (values.length === 0 || sizes.length === 0) {
    out.push(`<text x="${x0p}" y="${top + 60}">no data</text>`);
    return;
  }
  const lx0 = Math.log2(Math.min(...sizes));
  const lx1 = Math.log2(Math.max(...sizes));
  const ly0 = Math.floor(Math.log10(Math.min(...values)));
  const ly1 = Math.max(ly0 + 1, Math.ceil(Math.log10(Math.max(...values))));
  const px = (s: number): number => x0p + 20 + ((Math.log2(s) - lx0) / Math.max(1, lx1 - lx0)) * (x1p - x0p - 40);
  const py = (v: number): number => y0p - ((Math.log10(v) - ly0) / (ly1 - ly0)) * (y0p - y1p);
  for (let e = ly0; e <= ly1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${x0p}" x2="${x1p}" y1="${y}" y2="${y}" stroke="#ddd"/>`, `<text x="${x0p - 6}" y="${y + 4}" text-anchor="end">${tickLabel(10 ** e, unit)}</text>`);
  }
  for (const s of sizes) {
    const x = px(s);
    out.push(`<line x1="${x}" x2="${x}" y1="${y1p}" y2="${y0p}" stroke="#eee"/>`, `<text x="${x}" y="${y0p + 16}" text-anchor="middle">${fmtSize(s)}</text>`);
  }
  out.push(
    `<rect x="${x0p}" y="${y1p}" width="${x1p - x0p}" height="${y0p - y1p}" fill="none" stroke="#999"/>`,
    `<text x="${(x0p + x1p) / 2}" y="${y0p + 36}" text-anchor="middle">message size (bytes, log scale)</text>`,
    `<text transform="translate(16 ${(y0p + y1p) / 2}) rotate(-90)" text-anchor="middle">${unit === "B/s" ? "bytes per second" : "messages per second"} (${unit}, log scale)</text>`,
  );
  for (const s of series) {
    const pts = s.points.sort((a, b) => a[0] - b[0]);
    // Split where the series skips a size on the axis: no line is drawn across a size it has no figure for.
    const segments: [number, number][][] = [];
    for (const p of pts) {
      const last = segments.at(-1)?.at(-1);
      if (last !== undefined && sizes.indexOf(p[0]) === sizes.indexOf(last[0]) + 1) segments.at(-1)!.push(p);
      else segments.push([p]);
    }
    for (const seg of segments) {
      if (seg.length > 1) {
        const d = seg.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
        out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${DASH[s.who]} points="${d}"/>`);
      }
    }
    for (const [x, y] of pts) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
}

function legend(out: string[], top: number, series: Series[]): number {
  const cols = 3;
  const colW = (W - M.left) / cols;
  series.forEach((s, i) => {
    const x = M.left + (i % cols) * colW;
    const y = top + Math.floor(i / cols) * 20;
    out.push(
      `<line x1="${x}" x2="${x + 30}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${DASH[s.who]}/>`,
      `<text x="${x + 36}" y="${y + 4}">${s.label}</text>`,
    );
  });
  return Math.ceil(series.length / cols) * 20;
}

export function throughputChart(rows: readonly Row[]): string {
  const isPushPull = (r: Row): boolean => r.group === "throughput" && (r.name === "PUSH→PULL" || r.name === "PUSH→PULL, fresh buffer" || r.name === "raw Node net bulk");
  const rate = collect(rows, (r) => isPushPull(r) && r.name !== "raw Node net bulk" && r.name !== "PUSH→PULL, fresh buffer", (_, v) => v);
  // inproc with one reused Buffer is left out of bytes/s: zocket hands that Buffer over by reference, so its "bytes/s" moves no bytes.
  const large = (r: Row): boolean => isPushPull(r) && r.size >= 4096 && r.bytes !== undefined && !(r.transport === "inproc" && r.name === "PUSH→PULL");
  const bytes = collect(rows, large, (r, v) => v * (r.bytes ?? r.size));
  const axis = (keep: (r: Row) => boolean): number[] => [...new Set(rows.filter(keep).map((r) => r.size))].sort((a, b) => a - b);
  const all = new Map<string, Series>();
  for (const s of [...rate, ...bytes]) all.set(`${s.who}|${s.label}`, s);
  const out: string[] = [];
  panel(out, 0, "PUSH→PULL throughput: messages per second", "msgs/s", rate, axis((r) => isPushPull(r) && r.name === "PUSH→PULL"));
  panel(out, PANEL_H, "Large messages: bytes per second (inproc only with a fresh Buffer per message)", "B/s", bytes, axis(large));
  const lh = legend(out, 2 * PANEL_H + 10, [...all.values()]);
  const H = 2 * PANEL_H + lh + 40;
  const note = `solid: zocket · dashed: zeromq.js · dotted: raw Node net (no library) · a line is broken where a size was not measured`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    ...out,
    `<text x="${M.left}" y="${H - 12}" fill="#555">${note}</text>`,
    "</svg>",
  ].join("\n");
}
