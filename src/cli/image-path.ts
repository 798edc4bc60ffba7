/**
 * Operands of `pmemfs cp`: a host path, or a path inside an image written `IMAGE:/path`.
 *
 * Interface:
 *   parseOperand('disk.pmem:/docs/a') -> { kind: 'image', image: 'disk.pmem', path: '/docs/a' }
 *   parseOperand('notes.txt')         -> { kind: 'host', path: 'notes.txt' }
 *   sameImage(a, b)                   whether two image names are the same file
 * The image name is everything before the first ':/' (so an image path may itself contain ':');
 * a host path containing ':/' cannot be named this way.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export type Operand = { kind: 'host'; path: string } | { kind: 'image'; image: string; path: string };

export function parseOperand(text: string): Operand {
  const i = text.indexOf(':/');
  if (i <= 0) return { kind: 'host', path: text };
  return { kind: 'image', image: text.slice(0, i), path: text.slice(i + 1) };
}

/** One key per image file, so the same image named two ways is opened once. */
export function imageKey(image: string): string {
  return existsSync(image) ? realpathSync(image) : resolve(image);
}
