/**
 * How the command-line tool turns stdin lines into frames and frames into
 * stdout lines. One line is one message; its frames are separated by the
 * delimiter (a tab unless --delimiter says otherwise).
 *
 * - "auto" (the default): a frame prints as text when it is valid UTF-8 that
 *   reads back as the same bytes (no control characters, no delimiter, not
 *   starting with "0x"); otherwise as 0x and its bytes in hex. On input,
 *   0x<hex digits> is those bytes, anything else is UTF-8 text. So a frame
 *   printed by the tool (a ROUTER's routing id, say) can be pasted back.
 * - "hex": every frame prints as bare hex; input frames are hex (0x optional).
 * - "text": every frame prints as UTF-8 (lossy for binary); input is sent as written.
 */
export type FrameFormat = "auto" | "hex" | "text";

// C0 and C1 controls, DEL, the line/paragraph separators and U+FFFD (what an
// invalid UTF-8 sequence decodes to): none of them survives a terminal or a
// line-oriented pipe unchanged.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function formatFrame(frame: Uint8Array, format: FrameFormat, delimiter: string): string {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (format === "hex") return buf.toString("hex");
  const text = buf.toString("utf8");
  if (format === "text") return text;
  if (buf.length === 0) return "";
  const printable = !text.startsWith("0x") && !text.includes(delimiter) && !UNPRINTABLE.test(text);
  return printable ? text : `0x${buf.toString("hex")}`;
}

/** One message as one output line (without the newline). */
export function formatMessage(frames: readonly Uint8Array[], format: FrameFormat, delimiter: string): string {
  return frames.map((f) => formatFrame(f, format, delimiter)).join(delimiter);
}

/** One input frame as bytes; null when --hex is given something that is not hex. */
export function parseFrame(text: string, format: FrameFormat): Buffer | null {
  if (format === "text") return Buffer.from(text, "utf8");
  if (format === "hex") {
    const digits = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
    return HEX.test(digits) ? Buffer.from(digits, "hex") : null;
  }
  if (text.startsWith("0x") && HEX.test(text.slice(2))) return Buffer.from(text.slice(2), "hex");
  return Buffer.from(text, "utf8");
}

/** One stdin line as the frames of one message; throws on bad hex (--hex). */
export function parseLine(line: string, format: FrameFormat, delimiter: string): Buffer[] {
  return line.split(delimiter).map((part, i) => {
    const frame = parseFrame(part, format);
    if (frame === null) throw new Error(`frame ${i + 1} of line "${line}" is not hex (--hex)`);
    return frame;
  });
}
