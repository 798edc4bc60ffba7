/**
 * Tests that cross a process or thread boundary (workers, SIGKILLed children) run the compiled
 * package: `npm test` builds it first (tsc -p tsconfig.json emits dist/).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DIST_ENTRY = resolve(__dirname, '..', '..', 'dist', 'src', 'index.js');
export const DIST_URL = pathToFileURL(DIST_ENTRY).href;

export function distBuilt(): boolean {
  return existsSync(DIST_ENTRY);
}
