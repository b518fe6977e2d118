/**
 * A pipe end over a port whose writer finds it full takes the credit its peer
 * already posted at once, inside the write (PortLink.stalled), instead of
 * waiting for a turn of the event loop: that is what lets a tight send loop
 * keep going while an I/O thread drains the pipe. Messages that are not
 * credit are never handled out of order. Real MessageChannels; the peer's
 * side is driven by hand so every step is deterministic.
 */
import { expect } from "chai";
import { MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { overPort } from "../../src/pipe/links.js";
import type { Pipe, PipeSink } from "../../src/pipe/pipe.js";
import { PIPE_CREDIT, PIPE_HELLO, type EndInfo } from "../../src/protocols.js";

const info = (sndhwm: number): EndInfo => ({ type: "PUSH", routingId: new Uint8Array(0), sndhwm, rcvhwm: 1000, conflate: false });

/** A writer end with a high-water mark of 4 and no peer known yet (its mark alone is the bound). */
function writer(): { pipe: Pipe; peer: MessagePort; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const pipe = overPort(port1, info(4), false);
  const sink: PipeSink = { readActivated() {}, writeActivated() {}, pipeHello() {}, pipeTerminated() {} } as unknown as PipeSink;
  pipe.sink = sink;
  return {
    pipe,
    peer: port2,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

const msg = (s: string) => [Buffer.from(s)];

describe("pipe ends over a port: credit taken inside a stalled write", () => {
  it("a full pipe takes the credit already posted and the write goes through in the same turn", () => {
    const w = writer();
    try {
      for (let i = 0; i < 4; i++) expect(w.pipe.write(msg(`m${i}`)), `write ${i}`).to.equal(true);
      expect(w.pipe.checkWrite()).to.equal(false); // full, and no credit yet
      // The peer read all four (as the other thread would report it).
      w.peer.postMessage({ k: PIPE_CREDIT, r: 4 });
      expect(w.pipe.write(msg("m4"))).to.equal(true);
      // What was batched reached the peer on the stall, without a turn of the loop.
      expect(receiveMessageOnPort(w.peer)).to.not.equal(undefined);
    } finally {
      w.close();
    }
  });

  it("a message that is not credit stops the look, and it and the credit behind it are handled in order afterwards", async () => {
    const w = writer();
    try {
      for (let i = 0; i < 4; i++) w.pipe.write(msg(`m${i}`));
      w.peer.postMessage({ k: PIPE_HELLO, info: info(7) });
      w.peer.postMessage({ k: PIPE_CREDIT, r: 4 });
      // The HELLO was taken off the port but not handled here, so the credit behind it waits too.
      expect(w.pipe.write(msg("m4"))).to.equal(false);
      expect(w.pipe.peer).to.equal(null);
      await new Promise((r) => setImmediate(r));
      expect(w.pipe.peer?.sndhwm).to.equal(7);
      expect(w.pipe.checkWrite()).to.equal(true);
    } finally {
      w.close();
    }
  });
});
