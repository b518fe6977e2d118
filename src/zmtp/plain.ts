/**
 * PLAIN (RFC 24): the client sends HELLO with a user name and password, the
 * server asks its ZAP handler (RFC 27), answers WELCOME or ERROR, then
 * INITIATE/READY carry the metadata. Credentials never appear in errors.
 */
import { encodeCommand, encodeError, parseMetadata } from "./commands.js";
import { acceptReady, peerError, type Mechanism, type MechanismHost, type ZapReply, type ZapRequest } from "./mechanism.js";

export class PlainClient implements Mechanism {
  private step: "welcome" | "ready" | "done" = "welcome";

  constructor(
    private readonly host: MechanismHost,
    private readonly username: string,
    private readonly password: string,
  ) {}

  start(): void {
    const user = Buffer.from(this.username, "utf8");
    const pass = Buffer.from(this.password, "utf8");
    const data = Buffer.allocUnsafe(2 + user.length + pass.length);
    data[0] = user.length;
    user.copy(data, 1);
    data[1 + user.length] = pass.length;
    pass.copy(data, 2 + user.length);
    this.host.sendCommand(encodeCommand("HELLO", data));
  }

  command(name: string, data: Buffer): void {
    if (name === "ERROR") return peerError(this.host, data);
    if (name === "WELCOME" && this.step === "welcome") {
      this.step = "ready";
      this.host.sendCommand(encodeCommand("INITIATE", this.host.metadata()));
    } else if (name === "READY" && this.step === "ready") {
      this.step = "done";
      acceptReady(this.host, data, "");
    } else {
      this.host.failed("protocol", `unexpected ${name} command during the PLAIN handshake`);
    }
  }
}

export type Authenticate = (req: ZapRequest) => Promise<ZapReply>;

export class PlainServer implements Mechanism {
  private step: "hello" | "zap" | "initiate" | "done" = "hello";
  private userId = "";

  constructor(
    private readonly host: MechanismHost,
    private readonly authenticate: Authenticate | undefined,
  ) {}

  start(): void {}

  command(name: string, data: Buffer): void {
    if (name === "ERROR") return peerError(this.host, data);
    if (name === "HELLO" && this.step === "hello") return this.hello(data);
    if (name === "INITIATE" && this.step === "initiate") {
      this.step = "done";
      const props = parseMetadata(data);
      if (typeof props === "string") return this.host.failed("protocol", `${props} in INITIATE`);
      this.host.sendCommand(encodeCommand("READY", this.host.metadata()));
      return acceptReady(this.host, data, this.userId);
    }
    this.host.failed("protocol", `unexpected ${name} command during the PLAIN handshake`);
  }

  private hello(data: Buffer): void {
    const userLen = data[0];
    const passLen = data[1 + (userLen ?? 0)];
    if (userLen === undefined || passLen === undefined || data.length !== 2 + userLen + passLen) {
      return this.host.failed("protocol", "malformed PLAIN HELLO");
    }
    const user = Buffer.from(data.subarray(1, 1 + userLen));
    const pass = Buffer.from(data.subarray(2 + userLen));
    this.step = "zap";
    const host = this.host;
    host.pause();
    const ask = this.authenticate ?? refuseWithoutHandler;
    ask({ mechanism: "PLAIN", credentials: [user, pass] }).then(
      (reply) => this.zapReply(reply),
      () => this.zapReply({ statusCode: "500", statusText: "ZAP request failed", userId: "" }),
    );
  }

  private zapReply(reply: ZapReply): void {
    const host = this.host;
    if (!host.alive) return;
    if (reply.statusCode !== "200") {
      host.sendCommand(encodeError(reply.statusCode));
      return host.failed("auth", `authentication refused (${reply.statusCode}${reply.statusText ? ` ${reply.statusText}` : ""})`);
    }
    this.userId = reply.userId;
    this.step = "initiate";
    host.sendCommand(encodeCommand("WELCOME"));
    host.resume();
  }
}

/** libzmq's PLAIN server refuses every client when no ZAP handler is bound. */
async function refuseWithoutHandler(): Promise<ZapReply> {
  return { statusCode: "500", statusText: "no ZAP handler", userId: "" };
}
