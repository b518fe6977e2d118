/**
 * The receiving half of a ZMTP connection: a state machine over whatever
 * bytes have arrived (ws's receiver shape: each step checks that its bytes
 * are buffered, consumes exactly those and names the next step). It knows
 * framing only; what commands mean is the connection's business.
 *
 * It reads the three framings: ZMTP 3.x (flags, size, body), ZMTP 2.0 (the
 * same without commands: RFC 15) and ZMTP 1.0 (size including the flags
 * byte, 0xFF escaping an 8-byte size, then flags: RFC 13). Which one follows
 * the greeting is found out while reading it (version.ts).
 */
import { constants } from "node:buffer";
import { ChunkQueue } from "./chunks.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./commands.js";
import { GREETING_SIZE, parseGreeting, type PeerGreeting } from "./greeting.js";
import type { FrameTransform } from "./transform.js";
import { OLD_GREETING_SIZE, REVISION_AT, isOldRevision, readSignature } from "./version.js";

export type FailureKind = "protocol" | "auth" | "size" | "other";

export interface DecoderHandler {
  /** The peer's signature says it is versioned: our major version may go out. */
  signature(): void;
  /** The peer's revision byte: the rest of our greeting may go out. */
  revision(revision: number): void;
  /** A ZMTP 1.0 peer: what it sent so far is its identity message, read next in 1.0 framing. */
  unversioned(): void;
  /** A revision 0 or 1 peer's 12-byte greeting (its socket-type byte); its identity frame comes next. */
  oldGreeting(revision: number, socketType: number): void;
  greeting(g: PeerGreeting): void;
  /** A 1.0/2.0 peer's identity (the first frame after its greeting, when identityPending). */
  identity(id: Buffer): void;
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
const V1_SIZE = 7;
const V1_SIZE_LONG = 8;
const V1_FLAGS = 9;

/** Framings: 3 (ZMTP 3.x), 2 (2.0: no COMMAND flag), 1 (1.0: RFC 13). */
export type Framing = 1 | 2 | 3;
/** Flag bits each framing allows: 1.0 has MORE only; 2.0 adds LONG; 3.x adds COMMAND. */
const FLAGS_ALLOWED: Record<Framing, number> = { 1: FLAG_MORE, 2: FLAG_MORE | FLAG_LONG, 3: FLAG_MORE | FLAG_LONG | FLAG_COMMAND };
/** Identities are at most 255 bytes (RFC 13/15; libzmq's limit too). */
const MAX_IDENTITY = 255;

/** Commands before the handshake completes are small; a bigger one is hostile. */
const MAX_HANDSHAKE_COMMAND = 64 * 1024;
/**
 * Frames at least this big are filled into one buffer of final size as bytes
 * arrive (the part not yet read is read straight into it: readBuffer).
 */
const FILL_THRESHOLD = 256 * 1024;
/**
 * Reads that do not go straight into a big frame's buffer land in a slab,
 * one read after the other (large reads: few calls, few allocations), and
 * frames are views of it. A slab is never written twice (views of it may be
 * in the user's hands): one with less room than MIN_READ left is replaced by
 * a fresh one, BIG_SLAB bytes while frames of BIG_FRAME bytes or more arrive
 * (fewer, larger reads: bulk transfers run at the wire's speed), else
 * SMALL_SLAB (what Node itself reads into).
 */
const BIG_SLAB = 256 * 1024;
const SMALL_SLAB = 64 * 1024;
const BIG_FRAME = 16 * 1024;
/**
 * A frame is copied out of its slab when a view would pin more than this
 * many times its size (a message the user keeps holds its whole slab);
 * small copies come from Node's 8 KiB pool, as any small Buffer does.
 */
const PIN_LIMIT = 16;
const MIN_READ = 8 * 1024;
/**
 * While big frames arrive, a read that is not inside a body is kept this
 * short: it is there to find the next frame header, and the body behind it
 * is better read straight into its own buffer than copied out of the slab.
 */
const HEADER_READ = 4 * 1024;
/** Big frames are expected until this many small ones came in a row. */
const SMALL_RUN = 8;
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

const EMPTY = Buffer.alloc(0);
/** Reads for dead decoders land here, all alike: nothing reads it back. */
const DISCARD = Buffer.allocUnsafe(BIG_SLAB);

export class Decoder {
  private readonly chunks = new ChunkQueue();
  private state = GREETING;
  /** The peer's signature was read (a versioned peer); its revision byte, once read; -1 before. */
  private versioned = false;
  private revision = -1;
  private framing: Framing = 3;
  private flags = 0;
  private size = 0;
  private frames: Buffer[] = [];
  private messageBytes = 0;
  private target: Buffer | null = null;
  private filled = 0;
  /** Where reads land (readBuffer): the current slab and how much of it is used. */
  private slab = EMPTY;
  private slabUsed = 0;
  /** The last buffer readBuffer() handed out inside the frame being filled (null: a slab piece). */
  private direct: Buffer | null = null;
  /** Small frames since the last big one (HEADER_READ applies while below SMALL_RUN). */
  private smallRun = SMALL_RUN;
  /** The size of the last frame decoded (picks the next slab's size). */
  private lastFrame = 0;
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
  /** The next frame is a 1.0/2.0 peer's identity: handed to handler.identity() alone, whatever its MORE flag. */
  identityPending = false;

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
    this.slab = EMPTY;
    this.direct = null;
  }

  /** Queues bytes; run() decodes them. */
  push(chunk: Buffer): void {
    if (this.state === DEAD) return;
    this.chunks.push(chunk);
  }

  /**
   * Where the next read from the stream should land (Node's `onread` mode):
   * the rest of the big frame being filled when nothing is queued before it,
   * so its bytes are read into their final buffer with no copy; else the free
   * part of the slab. Report what was read with bytesRead().
   */
  readBuffer(): Buffer {
    // A dead decoder ignores what is read (a closing stream is read to its end).
    if (this.state === DEAD) return DISCARD;
    if (this.state === FILL && this.chunks.length === 0) {
      const t = this.target!;
      this.direct = t.subarray(this.filled);
      return this.direct;
    }
    this.direct = null;
    if (this.slab.length - this.slabUsed < MIN_READ) {
      this.slab = Buffer.allocUnsafe(this.lastFrame >= BIG_FRAME ? BIG_SLAB : SMALL_SLAB);
      this.slabUsed = 0;
    }
    const end = this.smallRun < SMALL_RUN ? this.slabUsed + HEADER_READ : this.slab.length;
    return this.slab.subarray(this.slabUsed, end);
  }

  /** `n` bytes were read into `buf`, a buffer readBuffer() returned (or any other: it is queued). */
  bytesRead(buf: Buffer, n: number): void {
    if (this.state === DEAD || n <= 0) return;
    if (buf === this.direct) {
      this.direct = null;
      if (this.state === FILL && this.chunks.length === 0) {
        this.filled += n;
        return;
      }
    }
    if (buf.buffer === this.slab.buffer && buf.byteOffset === this.slab.byteOffset + this.slabUsed) this.slabUsed += n;
    this.chunks.push(buf.subarray(0, n));
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
          if ((flags & ~FLAGS_ALLOWED[this.framing]) !== 0 || (flags & (FLAG_COMMAND | FLAG_MORE)) === (FLAG_COMMAND | FLAG_MORE)) {
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
          this.state = this.frameStart;
          this.smallRun = size >= FILL_THRESHOLD ? 0 : Math.min(this.smallRun + 1, SMALL_RUN);
          this.lastFrame = size;
          this.frame(size * PIN_LIMIT < q.headBacking() ? q.copy(size) : q.take(size));
          if (--budget === 0) return "yield";
          break;
        }
        case FILL: {
          const target = this.target!;
          this.filled += q.fill(target, this.filled, target.length - this.filled);
          if (this.filled < target.length) return "more";
          this.target = null;
          this.state = this.frameStart;
          this.smallRun = 0;
          this.lastFrame = target.length;
          this.frame(target);
          if (--budget === 0) return "yield";
          break;
        }
        case V1_SIZE: {
          if (q.length < 1) return "more";
          const size = q.byte();
          if (size === 0xff) {
            this.state = V1_SIZE_LONG;
          } else if (!this.v1Sized(size)) {
            return "more";
          }
          break;
        }
        case V1_SIZE_LONG:
          if (q.length < 8) return "more";
          if (!this.v1Sized(q.u64())) return "more";
          break;
        case V1_FLAGS: {
          if (q.length < 1) return "more";
          const flags = q.byte();
          if ((flags & ~FLAG_MORE) !== 0) {
            this.fail("protocol", "invalid frame flags");
            return "more";
          }
          this.flags = flags;
          if (!this.sized(this.size)) return "more";
          break;
        }
        case GREETING:
          if (!this.readGreeting()) return "more";
          break;
      }
    }
  }

  /** A 1.0 frame's size, which counts its flags byte: there must be one. */
  private v1Sized(sizeWithFlags: number): boolean {
    if (sizeWithFlags < 0) return this.fail("size", "frame larger than 2^53 bytes");
    if (sizeWithFlags === 0) return this.fail("protocol", "a ZMTP 1.0 frame without its flags byte");
    this.size = sizeWithFlags - 1;
    this.state = V1_FLAGS;
    return true;
  }

  /** The frame size is known: check it against the limits and go on to the body. */
  private sized(size: number): boolean {
    const command = (this.flags & FLAG_COMMAND) !== 0;
    if (this.identityPending && size > MAX_IDENTITY) return this.fail("protocol", `identity longer than ${MAX_IDENTITY} bytes`);
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

  /** Where a frame header starts in this framing. */
  private get frameStart(): number {
    return this.framing === 1 ? V1_SIZE : FLAGS;
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
    if (this.identityPending) {
      this.identityPending = false;
      this.handler.identity(body);
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

  /**
   * Reads the peer's greeting in libzmq's steps (version.ts), telling the
   * handler at each one; false while more bytes are needed or after a failure.
   */
  private readGreeting(): boolean {
    const q = this.chunks;
    if (!this.versioned) {
      const said = readSignature(q.length > 0 ? q.peek(0) : 0, q.length, q.length > 9 ? q.peek(9) : 0);
      if (said === "need") return false;
      if (said === "1.0") {
        // Nothing is consumed: the bytes read so far start the peer's identity message.
        this.framing = 1;
        this.state = V1_SIZE;
        this.handshaken = true;
        this.identityPending = true;
        this.handler.unversioned();
        return this.state !== DEAD;
      }
      this.versioned = true;
      this.handler.signature();
      if (this.state === DEAD) return false;
    }
    if (this.revision < 0) {
      if (q.length <= REVISION_AT) return false;
      this.revision = q.peek(REVISION_AT);
      this.handler.revision(this.revision);
      if (this.state === DEAD) return false;
    }
    if (isOldRevision(this.revision)) {
      if (q.length < OLD_GREETING_SIZE) return false;
      const g = q.take(OLD_GREETING_SIZE);
      // Revision 0 frames as 1.0 after its greeting; revision 1 is ZMTP 2.0. Neither has commands.
      this.framing = this.revision === 0 ? 1 : 2;
      this.state = this.frameStart;
      this.handshaken = true;
      this.identityPending = true;
      this.handler.oldGreeting(this.revision, g[OLD_GREETING_SIZE - 1]!);
      return this.state !== DEAD;
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
