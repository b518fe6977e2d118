/** The tool's --help text and --version. */
import { readFileSync } from "node:fs";

export const USAGE = `Usage:
  zocket [options] <type> <bind|connect> <endpoint> [<bind|connect> <endpoint> ...]
  zocket [options] proxy <frontType> <bind|connect> <endpoint> <backType> <bind|connect> <endpoint>

One ZeroMQ socket (or a proxy between two) from a shell, for talking to and
debugging any ZeroMQ system. <type> is a socket type, in any case: PAIR PUB SUB
XPUB XSUB REQ REP DEALER ROUTER PUSH PULL. <endpoint> is tcp://host:port
(tcp://127.0.0.1:* binds a free port), ipc://path or inproc://name. Each
endpoint actually bound is printed to stderr as "bound <endpoint>".

Messages: each line of stdin is sent as one message, each message received is
printed to stdout as one line. The frames of a message are separated by a tab
(--delimiter to change it), both ways. A frame prints as text when it is
printable UTF-8 (no control characters or delimiter, not starting with 0x),
otherwise as 0x followed by its bytes in hex; an empty frame prints as nothing.
On stdin a frame written 0x<hex> is sent as those bytes, so a routing id
printed by a ROUTER can be pasted back.

  REQ          sends a line, prints the reply, sends the next line.
  REP          prints a request, replies with the next line of stdin.
  PULL, SUB    never read stdin.
  PUSH, PUB    send the lines of stdin.
  the others   send the lines of stdin and print what arrives meanwhile.

A SUB or XSUB receives nothing until it subscribes, as in libzmq:
--subscribe '' subscribes to everything.

The run ends
  - when stdin ends (REP: when no line is left for the next request), once the
    messages sent have left (within --linger), unless --count is still to be
    reached; a receive-only socket ignores stdin;
  - after --count messages received (REQ: replies; REP: requests answered);
  - after --timeout ms without a message sent or received;
  - on SIGINT or SIGTERM: sockets close at once, dropping what is queued.
Exit status: 0 after a clean end; 1 on a runtime error; 2 on a bad command
line; 3 when --timeout ends the run while --count is not reached or a REQ still
awaits its reply; 130 on SIGINT, 143 on SIGTERM.

proxy: forwards whole messages from the front socket to the back one and back
(each way that the types allow), as zmq_proxy: PULL/PUSH, ROUTER/DEALER,
XSUB/XPUB, SUB/PUB. Ignores stdin; runs until SIGINT/SIGTERM.

Options:
  -d, --delimiter <sep>         separates frames on stdin and stdout (default: tab)
      --hex                     print every frame as hex; read stdin frames as hex
      --text                    print every frame as text; send stdin as written
  -s, --subscribe <prefix>      SUB/XSUB: subscribe to <prefix> (repeatable; '' is all)
      --identity <id>           the socket's routing id (ZMQ_ROUTING_ID)
      --plain <user:password>   PLAIN security, as a client
      --plain-server <user:password>
                                PLAIN security, as a server that accepts these
                                credentials (repeatable); an in-process ZAP
                                handler checks them
      --curve-server            CURVE security, as a server; with no
                                --curve-secret-key a key pair is made and its
                                public key printed to stderr
      --curve-server-key <key>  CURVE security, as a client of the server with
                                this public key (Z85); own keys are made unless
                                --curve-secret-key is given
      --curve-secret-key <key>  this socket's CURVE secret key (Z85)
      --monitor                 print the socket's monitor events to stderr
  -n, --count <n>               exit after n messages received
  -t, --timeout <ms>            exit after ms without a message; also the
                                default --linger
      --linger <ms>             how long queued messages may take to leave at
                                the end (default: until delivered, as libzmq)
      --delay <ms>              wait after bind/connect before the first send
                                (a PUB's subscribers need time to connect)
      --capture <endpoint>      proxy: send a copy of every message to a PUB
                                bound there; <TYPE>:<bind|connect>:<endpoint>
                                for another type or a connect
  -h, --help                    print this help
  -V, --version                 print the version

Examples:
  zocket PULL bind 'tcp://127.0.0.1:5555'
  seq 3 | zocket PUSH connect tcp://127.0.0.1:5555
  zocket SUB connect tcp://127.0.0.1:5556 --subscribe weather --subscribe news
  echo ping | zocket REQ connect tcp://127.0.0.1:5557
  printf 'pong\\npong\\n' | zocket REP bind tcp://127.0.0.1:5557 --plain-server admin:secret
  zocket ROUTER bind tcp://127.0.0.1:5558 --hex --count 1 < /dev/null
  zocket proxy XSUB connect tcp://127.0.0.1:5556 XPUB bind tcp://127.0.0.1:5559
`;

export function packageVersion(): string {
  try {
    // dist/src/cli/usage.js → the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}
