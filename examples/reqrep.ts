/**
 * Request-reply over ipc (a unix domain socket; `ipc://*` picks a fresh path).
 *
 * One REP server answers three REQ clients that ask at the same time. A REP
 * answers one request at a time and routes each reply back to whoever asked;
 * a REQ must alternate send and recv, and says so with EFSM if it does not.
 *
 *   npm run build && node dist/examples/reqrep.js
 */
import { Context, ZocketError } from "zocket";

const CLIENTS = 3;
const REQUESTS = 4;

async function client(ctx: Context, endpoint: string, name: string): Promise<string[]> {
  const req = ctx.socket("REQ");
  req.connect(endpoint);
  const answers: string[] = [];
  for (let n = 1; n <= REQUESTS; n++) {
    await req.send(`${name} ${n}`);
    const [answer] = await req.recv();
    answers.push(String(answer));
  }
  req.close();
  return answers;
}

async function main(): Promise<void> {
  const ctx = new Context();
  const rep = ctx.socket("REP");
  const endpoint = await rep.bind("ipc://*");
  console.log(`server listening on ${endpoint}`);
  let served = 0;
  const serving = (async () => {
    for await (const [question] of rep) {
      const [name, n] = String(question).split(" ");
      await rep.send(`${name}: ${n} squared is ${Number(n) ** 2}`);
      served++;
    }
    rep.close(); // the loop ended: the context is terminating
  })();

  const answers = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(ctx, endpoint, `client${i + 1}`)));
  for (const a of answers) console.log(a[a.length - 1]);
  console.log(`server answered ${served} requests from ${CLIENTS} clients`);

  // A REQ that sends twice without reading the reply gets EFSM, as in libzmq.
  const impatient = ctx.socket("REQ", { linger: 0 });
  impatient.connect(endpoint);
  await impatient.send("impatient 1");
  try {
    await impatient.send("impatient 2");
  } catch (err) {
    if (!(err instanceof ZocketError) || err.code !== "EFSM") throw err;
    console.log(`second send without a recv: ${err.code}`);
  }
  await impatient.recv();
  impatient.close();

  await ctx.term(); // ends the server's loop, which closes the REP
  await serving;
  if (served !== CLIENTS * REQUESTS + 1) process.exitCode = 1;
  console.log("done: reqrep");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
