/**
 * The receiving half of a ZMTP connection: a state machine over whatever
 * bytes have arrived (ws's receiver shape: each step checks that its bytes
 * are buffered, consumes exactly those and names the next step). It knows
 * framing only; what commands mean is the connection's business.
 */
import { constants } from "node:buffer";
import { ChunkQueue } from "./chunks.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./commands.js";
import { GREETING_SIZE, checkGreetingPrefix, parseGreeting, type PeerGreeting } from "./greeting.js";
import type { FrameTransform } from "./transform.js";

export type FailureKind = "protocol" | "auth" | "size" | "other";

export interface DecoderHandler {
  greeting(g: PeerGreeting): void;
  /** A command frame body (name length, name, data). */
  command(body: Buffer): void;
  /**
   * A whole message; false if it cannot be taken now (the socket's queue is
   * full). The decoder then holds it and stops until retry() is called.
   */
  message(frames: Buffer[]): boolean;
  failed(kind: FailureKind, reason: string): void;
}

/** Why run() stopped: it needs more bytes; it is held (paused, or a message was refused); or its turn is over. */
export type RunResult = "more" | "held" | "yield";

const GREETING = 0;
const FLAGS = 1;
const SIZE_SHORT = 2;
const SIZE_LONG = 3;
const BODY = 4;
const FILL = 5;
const DEAD = 6;

/** Commands before the handshake completes are small; a bigger one is hostile. */
const MAX_HANDSHAKE_COMMAND = 64 * 1024;
/** Frames at least this big are filled into one buffer of final size as bytes arrive. */
const FILL_THRESHOLD = 64 * 1024;
/**
 * How many frames one run() decodes before it yields, so that one busy peer
 * cannot hold the event loop (other peers' input, timers) for long.
 */
const FRAMES_PER_TURN = 1024;
/**
 * What a frame beyond the first costs against maxMessageSize besides its
 * body (about what it costs in memory): an endless run of empty frames
 * reaches the limit too.
 */
export const FRAME_COST = 32;

export class Decoder {
  private readonly chunks = new ChunkQueue();
  private state = GREETING;
  private greetingChecked = 0;
  private flags = 0;
  private size = 0;
  private frames: Buffer[] = [];
  private messageBytes = 0;
  private target: Buffer | null = null;
  private filled = 0;
  /** A whole message the handler refused; offered again by retry(). */
  private refused: Buffer[] | null = null;
  /** Set by the handler while it cannot take more (async auth): bytes wait in the queue. */
  paused = false;
  /** After the handshake: data frames allowed, command size unbounded (within maxMessageSize). */
  handshaken = false;
  /**
   * Set after a handshake that seals frames (CURVE): every frame on the wire
   * is opened first, and what it carries is framed as if it had arrived as is.
   */
  transform: FrameTransform | null = null;

  constructor(
    private readonly handler: DecoderHandler,
    private readonly maxMessageSize: number,
  ) {}

  /** Stops decoding for good and lets go of buffered bytes. */
  kill(): void {
    this.state = DEAD;
    this.chunks.clear();
    this.frames = [];
    this.target = null;
    this.refused = null;
  }

  /** Queues bytes; run() decodes them. */
  push(chunk: Buffer): void {
    if (this.state === DEAD) return;
    this.chunks.push(chunk);
  }

  /** Offers the refused message again; true if there is none left (decoding may go on). */
  retry(): boolean {
    const msg = this.refused;
    if (msg === null) return true;
    if (!this.handler.message(msg)) return false;
    this.refused = null;
    return true;
  }

  /** Decodes what is buffered, up to one turn's worth of frames. */
  run(): RunResult {
    const q = this.chunks;
    let budget = FRAMES_PER_TURN;
    for (;;) {
      if (this.paused || this.refused !== null) return "held";
      if (this.state === DEAD) return "more";
      switch (this.state) {
        case FLAGS: {
          if (q.length < 1) return "more";
          const flags = q.byte();
          if ((flags & 0xf8) !== 0 || (flags & (FLAG_COMMAND | FLAG_MORE)) === (FLAG_COMMAND | FLAG_MORE)) {
            this.fail("protocol", "invalid frame flags");
            return "more";
          }
          this.flags = flags;
          this.state = (flags & FLAG_LONG) !== 0 ? SIZE_LONG : SIZE_SHORT;
          break;
        }
        case SIZE_SHORT:
          if (q.length < 1) return "more";
          if (!this.sized(q.byte())) return "more";
          break;
        case SIZE_LONG: {
          if (q.length < 8) return "more";
          const size = q.u64();
          if (size < 0) {
            this.fail("size", "frame larger than 2^53 bytes");
            return "more";
          }
          if (!this.sized(size)) return "more";
          break;
        }
        case BODY: {
          const size = this.size;
          if (q.length < size) {
            if (size < FILL_THRESHOLD) return "more";
            // A big frame: allocate it once, at its final size, and fill it as bytes arrive.
            this.target = Buffer.allocUnsafe(size);
            this.filled = 0;
            this.state = FILL;
            break;
          }
          this.state = FLAGS;
          this.frame(q.take(size));
          if (--budget === 0) return "yield";
          break;
        }
        case FILL: {
          const target = this.target!;
          this.filled += q.fill(target, this.filled, target.length - this.filled);
          if (this.filled < target.length) return "more";
          this.target = null;
          this.state = FLAGS;
          this.frame(target);
          if (--budget === 0) return "yield";
          break;
        }
        case GREETING:
          if (!this.readGreeting()) return "more";
          break;
      }
    }
  }

  /** The frame size is known: check it against the limits and go on to the body. */
  private sized(size: number): boolean {
    const command = (this.flags & FLAG_COMMAND) !== 0;
    const t = this.transform;
    if (command) {
      if (!this.handshaken && size > MAX_HANDSHAKE_COMMAND) return this.fail("protocol", "oversized handshake command");
      if (t === null && this.frames.length > 0) return this.fail("protocol", "command inside a multipart message");
    } else if (!this.handshaken) {
      return this.fail("protocol", "message frame before the handshake completed");
    }
    // A size no buffer can hold is hostile whatever maxMessageSize says.
    if (size > constants.MAX_LENGTH) return this.fail("size", "frame larger than the largest possible buffer");
    const max = this.maxMessageSize;
    // Handshake commands have their own bound (MAX_HANDSHAKE_COMMAND): a CURVE
    // INITIATE is bigger than a small maxMessageSize and must still pass.
    if (max >= 0 && this.handshaken) {
      // A sealed frame is checked here against the limit plus its overhead, and what it carries once opened.
      const over = t !== null ? size > max + t.overhead : (command ? size : this.messageBytes + this.cost(size)) > max;
      if (over) return this.tooBig(max);
    }
    this.size = size;
    this.state = BODY;
    return true;
  }

  /** What a frame of `size` bytes adds to the message being assembled. */
  private cost(size: number): number {
    return this.frames.length > 0 ? size + FRAME_COST : size;
  }

  private tooBig(max: number): false {
    return this.fail("size", `message larger than maxMessageSize (${max} bytes)`);
  }

  private frame(body: Buffer): void {
    let flags = this.flags;
    const t = this.transform;
    if (t !== null) {
      const inner = t.open(body, flags);
      if (inner === null) {
        this.fail("protocol", t.error);
        return;
      }
      body = inner;
      flags = t.flags;
      const command = (flags & FLAG_COMMAND) !== 0;
      if (command && (this.frames.length > 0 || (flags & FLAG_MORE) !== 0)) {
        this.fail("protocol", "command inside a multipart message");
        return;
      }
      const max = this.maxMessageSize;
      if (max >= 0 && (command ? body.length : this.messageBytes + this.cost(body.length)) > max) {
        this.tooBig(max);
        return;
      }
    }
    if ((flags & FLAG_COMMAND) !== 0) {
      this.handler.command(body);
      return;
    }
    this.messageBytes += this.frames.length > 0 ? body.length + FRAME_COST : body.length;
    this.frames.push(body);
    if ((flags & FLAG_MORE) !== 0) return;
    const msg = this.frames;
    this.frames = [];
    this.messageBytes = 0;
    if (!this.handler.message(msg)) this.refused = msg;
  }

  private readGreeting(): boolean {
    const q = this.chunks;
    // Check each new byte of the signature as it arrives: refuse non-ZMTP-3 peers early.
    const upto = Math.min(q.length, 11);
    if (upto > this.greetingChecked) {
      const head = new Uint8Array(upto);
      for (let i = 0; i < upto; i++) head[i] = q.peek(i);
      const why = checkGreetingPrefix(head, upto);
      if (why !== null) return this.fail("protocol", why);
      this.greetingChecked = upto;
    }
    if (q.length < GREETING_SIZE) return false;
    const g = q.take(GREETING_SIZE);
    this.state = FLAGS;
    this.handler.greeting(parseGreeting(g));
    return this.state !== DEAD;
  }

  private fail(kind: FailureKind, reason: string): false {
    if (this.state === DEAD) return false;
    this.kill();
    this.handler.failed(kind, reason);
    return false;
  }
}
