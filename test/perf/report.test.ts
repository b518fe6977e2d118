/**
 * The benchmark's honesty checks (perf/): a figure that is not finite and
 * positive fails its run, partial medians are marked with how many runs gave
 * a figure and why the others did not, a child that exits before printing
 * its figure fails the run instead of counting as 0, the chart breaks a line
 * where a size was not measured and keeps its legend inside the picture, and
 * the raw baselines give real figures (real workers, real tcp on 127.0.0.1).
 */
import { expect } from "chai";
import { checkFigure, summarize, windowFor, type Window } from "../../perf/stats.js";
import { fmtFigure, markdown, type Row } from "../../perf/report.js";
import { throughputChart } from "../../perf/svg.js";
import { netChild, pair } from "../../perf/cases/processes.js";
import { netBulkOneProcess, netPingPongOneProcess } from "../../perf/cases/net.js";
import { sabRing } from "../../perf/cases/ring.js";
import { betweenWorkers } from "../../perf/cases/workers.js";

const SHORT: Window = { warm: 0.05, warmCount: 16, secs: 0.1 };

function row(over: Partial<Row>): Row {
  return { group: "throughput", name: "PUSH→PULL", transport: "tcp", size: 16, bytes: 16, unit: "msgs/s", who: ["zocket", "zeromq"], zocket: null, zeromq: null, baseline: null, ratio: null, ...over };
}

describe("perf: figures", () => {
  it("rejects figures that are not finite and positive", () => {
    for (const bad of [NaN, 0, -1, Infinity, -Infinity, undefined, "12"]) {
      expect(() => checkFigure(bad, "x"), String(bad)).to.throw(/no valid figure/);
    }
    expect(checkFigure(1.5, "x")).to.equal(1.5);
    expect(() => summarize([1, NaN], 3)).to.throw(/no valid figure/);
  });

  it("marks a median taken from fewer runs than planned, with the reason, and shows min–max", () => {
    const f = summarize([1000, 3000], 3, "ETIMEDOUT")!;
    expect(f.median).to.equal(2000);
    expect(fmtFigure(f, "msgs/s")).to.equal("2.0 k (1.0 k–3.0 k) (2/3 runs: ETIMEDOUT)");
    expect(fmtFigure(summarize([1000, 2000, 3000], 3), "msgs/s")).to.equal("2.0 k (1.0 k–3.0 k)");
    expect(summarize([], 3, "EPIPE")).to.equal(null);
    expect(fmtFigure(null, "msgs/s")).to.equal("failed");
  });

  it("gives large messages longer windows and more warm-up than small ones", () => {
    const small = windowFor(16, false);
    const large = windowFor(1 << 20, false);
    expect(large.secs).to.be.greaterThan(small.secs);
    expect(large.warm).to.be.greaterThan(small.warm);
    expect(windowFor(16, true).secs).to.be.lessThan(small.secs);
  });

  it("writes bytes/s for throughput rows, and leaves unmeasured columns empty", () => {
    const md = markdown([
      row({ size: 65536, bytes: 65536, zocket: summarize([1e4], 1), zeromq: summarize([2e4], 1), ratio: 0.5 }),
      row({ name: "raw Node net bulk", who: ["baseline"], baseline: summarize([3e4], 1) }),
      row({ name: "PUSH→PULL, ioThreads: 1", who: [], absent: { zocket: "ioThreads not implemented" } }),
    ]);
    const lines = md.split("\n");
    expect(lines[2]).to.contain("655 MB/s / 1.31 GB/s");
    expect(lines[3]).to.match(/^\| raw Node net bulk \(tcp\) \| 16 B \|  \|  \| 30\.0 k \|/);
    expect(lines[4]).to.contain("| ioThreads not implemented |");
  });
});

describe("perf: chart", () => {
  it("breaks a line across a size that was not measured and keeps the legend inside", () => {
    const rows = [16, 256, 4096, 65536].map((size) => row({ size, bytes: size, zocket: summarize([1e5], 1), zeromq: summarize([1e4], 1) }));
    // tcp, 2 processes: measured at 16 B and 64 KiB only.
    rows.push(row({ transport: "tcp, 2 processes", size: 16, zocket: summarize([1e5], 1) }), row({ transport: "tcp, 2 processes", size: 65536, bytes: 65536, zocket: summarize([1e4], 1) }));
    const svg = throughputChart(rows);
    const pink = svg.split("\n").filter((l) => l.includes("#e7298a"));
    expect(pink.filter((l) => l.startsWith("<polyline"))).to.have.length(0);
    expect(pink.filter((l) => l.startsWith("<circle")).length).to.be.at.least(2);
    const tcp = svg.split("\n").filter((l) => l.startsWith("<polyline") && l.includes("#d95f02"));
    expect(tcp.length).to.be.at.least(2); // zocket and zeromq.js, unbroken
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    for (const m of svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</g)) {
      expect(Number(m[2]), m[3]).to.be.lessThan(height);
      // About 7 px per character at 12 px: the label ends inside the picture.
      if (!/text-anchor/.test(m[0])) expect(Number(m[1]) + 7 * m[3]!.length, m[3]).to.be.at.most(width + 40);
    }
    expect(svg).to.contain("messages per second (msgs/s, log scale)");
    expect(svg).to.contain("bytes per second (B/s, log scale)");
  });
});

describe("perf: runs", function () {
  this.timeout(30_000);

  it("fails a run whose child exits without printing its figure", async () => {
    let err: unknown = null;
    await pair(netChild, ["no-such-mode"], () => [], "bind", "rate").catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/unknown mode no-such-mode/);
  });

  it("measures the raw baselines: net bulk, net ping-pong, SAB ring", async () => {
    expect(await netBulkOneProcess(65536, SHORT)).to.be.greaterThan(0);
    expect(await netPingPongOneProcess(50)).to.be.greaterThan(0);
    expect(await sabRing(SHORT)).to.be.greaterThan(0);
  });

  it("measures workers with await send/recv and with trySend/tryRecv", async () => {
    expect(await betweenWorkers(16, SHORT, "await")).to.be.greaterThan(0);
    expect(await betweenWorkers(16, SHORT, "try")).to.be.greaterThan(0);
  });
});
