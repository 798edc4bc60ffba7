/**
 * UTF-8 for names on the hot paths: every path component is measured (NAME_MAX is in bytes),
 * and every LINK/UNLINK item encodes its name. TextEncoder.encode allocates a fresh array per
 * call and was a third of a create+rename+unlink's time; names are almost always ASCII, so
 * these walk the string once and fall back to the platform codec only for other text.
 *
 * Interface:
 *   utf8Length(s)                 bytes of s in UTF-8 (lone surrogates count 3, as U+FFFD)
 *   writeUtf8(bytes, pos, s)      encodes s at pos (the caller sized it with utf8Length);
 *                                 returns the bytes written
 *   readUtf8(bytes, start, end)   decodes, with U+FFFD for malformed sequences (as TextDecoder)
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else n += 2; // 3 bytes (a lone surrogate becomes U+FFFD, also 3)
  }
  return n;
}

export function writeUtf8(bytes: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return i + enc.encodeInto(s.slice(i), bytes.subarray(pos + i)).written;
    bytes[pos + i] = c;
  }
  return s.length;
}

export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  // Short ASCII names build faster from char codes than through the decoder.
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return decode(bytes, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decode(bytes, start, end);
}

/** TextDecoder refuses views of shared memory: those are copied first. */
function decode(bytes: Uint8Array, start: number, end: number): string {
  const part = bytes.buffer instanceof SharedArrayBuffer ? bytes.slice(start, end) : bytes.subarray(start, end);
  return dec.decode(part);
}
