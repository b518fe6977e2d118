/**
 * A socket's own signalling channel (a MessageChannel pair): commands for the
 * socket arrive on its mailbox wherever the socket lives, so moving the
 * socket moves the port, not its peers' wiring. The other end, the address,
 * is handed to the context's registry on the first inproc bind.
 *
 * The mailbox is also what holds the thread alive while a call is pending on
 * the socket (or it lingers): ref'd while busy, let go lazily when idle.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { parseMailboxCommand, type MailboxCommand } from "../protocols.js";

/** The channel as a socket is created with it, or revived with it after a move. */
export interface SocketPorts {
  mailbox: MessagePort;
  address: MessagePort | null;
  addressAtRoot: boolean;
}

export class Mailbox {
  private readonly port: MessagePort;
  private address: MessagePort | null;
  private atRoot: boolean;
  private refd = false;
  private unrefScheduled = false;

  constructor(
    ports: SocketPorts | undefined,
    private readonly onCommand: (cmd: MailboxCommand) => void,
    /** Whether the socket has something pending (asked again before letting go). */
    private readonly busy: () => boolean,
  ) {
    if (ports !== undefined) {
      this.port = ports.mailbox;
      this.address = ports.address;
      this.atRoot = ports.addressAtRoot;
    } else {
      const ch = new MessageChannel();
      this.port = ch.port1;
      this.address = ch.port2;
      this.atRoot = false;
    }
    this.port.on("message", (m: unknown) => {
      const cmd = parseMailboxCommand(m);
      if (cmd !== null) this.onCommand(cmd);
    });
    this.port.unref();
  }

  /** The registry holds our address (it says "bye" when it lets go). */
  get addressAtRoot(): boolean {
    return this.atRoot;
  }

  /** The address for the registry, the first time it is asked for; null after. */
  takeAddress(): MessagePort | null {
    if (this.atRoot) return null;
    const addr = this.address;
    this.address = null;
    this.atRoot = true;
    return addr;
  }

  /** Holds the thread while the socket is busy; lets go lazily once it is not. */
  keepAlive(): void {
    if (this.busy()) {
      if (!this.refd) {
        this.refd = true;
        this.port.ref();
      }
    } else if (this.refd && !this.unrefScheduled) {
      // A busy socket flips between pending and idle once per message, and
      // ref()/unref() on every flip costs more than the message.
      this.unrefScheduled = true;
      setImmediate(this.lazyUnref);
    }
  }

  private readonly lazyUnref = (): void => {
    this.unrefScheduled = false;
    if (this.refd && !this.busy()) {
      this.refd = false;
      this.port.unref();
    }
  };

  /** Closes the channel; attach commands still queued are refused (their pipe ports closed). */
  close(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) refuseCommand(m.message);
    this.port.removeAllListeners();
    this.port.close();
    this.address?.close();
    this.address = null;
  }

  /** Hands the channel over for a move; this object is done. */
  freeze(): SocketPorts {
    this.port.removeAllListeners();
    if (this.refd) {
      this.refd = false;
      this.port.unref();
    }
    const ports = { mailbox: this.port, address: this.address, addressAtRoot: this.atRoot };
    this.address = null;
    return ports;
  }
}

/** Closes the pipe port inside a command that will never be served, so its owner sees the end. */
export function refuseCommand(m: unknown): void {
  const cmd = parseMailboxCommand(m);
  if (cmd !== null && cmd.op === "attach") cmd.port.close();
}
