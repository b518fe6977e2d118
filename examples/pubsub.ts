/**
 * Publish-subscribe with prefix filtering over tcp.
 *
 * One publisher sends weather, sports and news updates; three subscribers each
 * ask for a different part of the stream, and the filtering happens at the
 * publisher (a SUB tells its PUB what it wants), so unwanted messages never
 * cross the wire.
 *
 * A PUB drops whatever it sends before a subscription has arrived (the
 * Guide's "slow joiner"). To lose nothing without guessing a delay, the
 * publisher here is an XPUB: an XPUB is a PUB that also receives the
 * subscriptions (`\x01` + prefix), so it can wait until all of them are in.
 * `xpubVerbose` passes every subscription on, even one it has seen before.
 *
 *   npm run build && node dist/examples/pubsub.js
 */
import { Context } from "zocket";

const ROUNDS = 5;
const TOPICS = ["weather.london", "weather.paris", "sports.football", "news.tech"];

/** Who listens to what. Everyone also subscribes to "END", sent last. */
const SUBSCRIBERS = [
  { name: "forecaster", prefixes: ["weather."] },
  { name: "paris-only", prefixes: ["weather.paris"] },
  { name: "sports-and-news", prefixes: ["sports.", "news."] },
];

async function subscriber(ctx: Context, endpoint: string, name: string, prefixes: string[]): Promise<Map<string, number>> {
  const sub = ctx.socket("SUB");
  sub.connect(endpoint);
  sub.subscribe(...prefixes, "END");
  const seen = new Map<string, number>();
  // A tcp connection delivers in order, so END arrives after everything else.
  for await (const [topic] of sub) {
    const t = String(topic);
    if (t === "END") break;
    seen.set(t, (seen.get(t) ?? 0) + 1);
  }
  sub.close();
  const summary = [...seen].map(([t, n]) => `${t} ×${n}`).join(", ");
  console.log(`${name} (${prefixes.join(" ")}) received ${summary}`);
  return seen;
}

async function main(): Promise<void> {
  const ctx = new Context();
  const pub = ctx.socket("XPUB", { xpubVerbose: true });
  const endpoint = await pub.bind("tcp://127.0.0.1:*");
  console.log(`publisher bound to ${endpoint}`);

  const results = SUBSCRIBERS.map((s) => subscriber(ctx, endpoint, s.name, s.prefixes));

  // Wait for every subscription (each subscriber's prefixes plus its "END").
  let expected = SUBSCRIBERS.reduce((n, s) => n + s.prefixes.length + 1, 0);
  while (expected > 0) {
    const [event] = await pub.recv();
    if (event?.[0] === 1) expected--; // 1 = subscribe, 0 = unsubscribe; the rest is the prefix
  }
  console.log("all subscriptions in; publishing");

  for (let round = 1; round <= ROUNDS; round++) {
    for (const topic of TOPICS) await pub.send([topic, `update ${round}`]);
  }
  await pub.send("END");

  const seen = await Promise.all(results);
  // Check the filtering: every subscriber got exactly its topics, ROUNDS times each.
  const ok = SUBSCRIBERS.every((s, i) => {
    const want = TOPICS.filter((t) => s.prefixes.some((p) => t.startsWith(p)));
    const got = seen[i]!;
    return got.size === want.length && want.every((t) => got.get(t) === ROUNDS);
  });
  console.log(ok ? "filtering correct: each subscriber got exactly its topics" : "filtering WRONG");
  if (!ok) process.exitCode = 1;

  pub.close();
  await ctx.term();
  console.log("done: pubsub");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
