/**
 * Child-process side of the raw `net` baselines across two processes. argv: mode ...
 * - recv <size> <warm s> <warm count> <secs>: listen, print "ep <port>", count bytes, print "rate <size-byte msgs/s>".
 * - send <port> <size>: write until killed.
 * - echo: listen, print "ep <port>", echo until killed.
 * - ping <port> <ms>: 16-byte round trips, print "rtt <µs>".
 * The parent kills both children once the measuring one printed its figure.
 */
import { bulkReceiver, bulkSender, echoServer, pingPong } from "./cases/net.js";

const [mode, ...args] = process.argv.slice(2) as [string, ...string[]];
const say = (line: string): void => void process.stdout.write(`${line}\n`);

// Whatever happens to the parent, a child does not outlive a case by long.
setTimeout(() => process.exit(3), 120_000).unref();

try {
  if (mode === "recv") {
    const rx = await bulkReceiver(Number(args[0]), { warm: Number(args[1]), warmCount: Number(args[2]), secs: Number(args[3]) });
    say(`ep ${rx.port}`);
    say(`rate ${await rx.rate}`);
  } else if (mode === "send") {
    bulkSender(Number(args[0]), Number(args[1]));
  } else if (mode === "echo") {
    say(`ep ${(await echoServer()).port}`);
  } else if (mode === "ping") {
    say(`rtt ${await pingPong(Number(args[0]), Number(args[1]))}`);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (err) {
  say(`error ${(err as { code?: string }).code ?? (err as Error).message}`);
  process.exit(1);
}
