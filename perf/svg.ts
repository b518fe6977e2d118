/** Throughput vs message size as a small hand-written SVG (log-log), one line per library and transport. */
import type { Row } from "./report.js";

const W = 760;
const H = 440;
const M = { left: 70, right: 190, top: 30, bottom: 50 };
const COLORS: Record<string, string> = { inproc: "#1b9e77", workers: "#66a61e", ipc: "#7570b3", tcp: "#d95f02", "tcp, 2 processes": "#e7298a" };

export function throughputChart(rows: Row[]): string {
  const pts = rows.filter((r) => r.group === "throughput" && r.name === "PUSH→PULL");
  const series = new Map<string, { lib: string; transport: string; points: [number, number][] }>();
  for (const r of pts) {
    for (const lib of ["zocket", "zeromq"] as const) {
      const v = r[lib];
      if (v === null || v <= 0) continue;
      const key = `${lib} ${r.transport}`;
      if (!series.has(key)) series.set(key, { lib, transport: r.transport, points: [] });
      series.get(key)!.points.push([r.size, v]);
    }
  }
  const sizes = pts.map((r) => r.size);
  const values = [...series.values()].flatMap((s) => s.points.map((p) => p[1]));
  if (sizes.length === 0 || values.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="10" y="30">no data</text></svg>`;
  const x0 = Math.log2(Math.min(...sizes));
  const x1 = Math.log2(Math.max(...sizes));
  const y0 = Math.floor(Math.log10(Math.min(...values)));
  const y1 = Math.ceil(Math.log10(Math.max(...values)));
  const px = (s: number): number => M.left + ((Math.log2(s) - x0) / Math.max(1, x1 - x0)) * (W - M.left - M.right);
  const py = (v: number): number => H - M.bottom - ((Math.log10(v) - y0) / Math.max(1, y1 - y0)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="18" font-size="14">PUSH→PULL throughput (messages/s, log scale) vs message size</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`, `<text x="${M.left - 8}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  for (const s of [...new Set(sizes)].sort((a, b) => a - b)) {
    const x = px(s);
    const label = s >= 1 << 20 ? `${s >> 20} MiB` : s >= 1024 ? `${s >> 10} KiB` : `${s} B`;
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`, `<text x="${x}" y="${H - M.bottom + 18}" text-anchor="middle">${label}</text>`);
  }
  let ly = M.top + 10;
  for (const s of series.values()) {
    const color = COLORS[s.transport] ?? "#666";
    const dash = s.lib === "zeromq" ? ` stroke-dasharray="6 4"` : "";
    const pts2 = s.points.sort((a, b) => a[0] - b[0]).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts2.join(" ")}"/>`);
    for (const p of pts2) {
      const [cx, cy] = p.split(",");
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    out.push(
      `<line x1="${W - M.right + 15}" x2="${W - M.right + 45}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${W - M.right + 50}" y="${ly + 4}">${s.lib === "zeromq" ? "zeromq.js" : "zocket"} ${s.transport}</text>`,
    );
    ly += 18;
  }
  out.push("</svg>");
  return out.join("\n");
}
