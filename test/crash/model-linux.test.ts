/**
 * The model against the real thing: random namespace and data operations run on the model and
 * on node:fs in a tmpdir (Linux), comparing every error code and, after every op, the whole tree.
 * This is what backs the model's claim to answer Linux's error codes for these operations.
 * Symlink targets never start with '..': a link renamed to the top level would then escape the
 * tmpdir on Linux, while the model's root is its own parent.
 */
import * as nodefs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/crash/model.js';
import { patternBytes } from '../../src/crash/pattern.js';
import { captureTree, diffTrees } from '../../src/crash/tree.js';
import { formatOp, type OpBody } from '../../src/crash/workload.js';
import { prng, type Prng } from '../../src/pmem/index.js';

const DIRS = ['/d0', '/d1', '/d0/d2', '/d1/d3'];
const FILES = ['/f0', '/f1', '/d0/f2', '/d1/f3', '/d0/d2/f4'];
const LINKS: Array<[string, string[]]> = [
  ['/l0', ['f0', 'd0', 'l0', 'nowhere', 'd0/d2']],
  ['/d1/l1', ['f3', 'd3', 'l1', 'd3/..', 'l1/x']],
];
const ANY = [...DIRS, ...FILES, ...LINKS.map(([p]) => p), '/d0/.', '/d0/d2/..', '/f0/'];

function draw(r: Prng, j: number): OpBody {
  const pick = <T,>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
  const size = () => (r.next() < 0.5 ? r.int(4) * 4096 : r.int(10000));
  switch (r.int(10)) {
    case 0: return { kind: 'mkdir', path: pick([...DIRS, ...ANY]) };
    case 1: return { kind: 'rmdir', path: pick([...DIRS, ...ANY]) };
    case 2: return { kind: 'creat', path: pick([...FILES, ...ANY]) };
    case 3: return { kind: 'unlink', path: pick(ANY) };
    case 4: return { kind: 'link', oldPath: pick(ANY), newPath: pick([...FILES, ...ANY]) };
    case 5: {
      const [path, targets] = pick(LINKS);
      return { kind: 'symlink', target: pick(targets), path };
    }
    case 6: case 7: return { kind: 'rename', oldPath: pick(ANY), newPath: pick(ANY) };
    case 8: return { kind: 'write', path: pick(ANY), offset: size(), length: 1 + r.int(5000), seed: j };
    default: return { kind: 'truncate', path: pick(ANY), length: size() };
  }
}

/** Run one op on node:fs under `root`; the error code or 'ok'. */
function onLinux(root: string, op: OpBody): string {
  const p = (x: string) => root + x;
  try {
    switch (op.kind) {
      case 'mkdir': nodefs.mkdirSync(p(op.path)); break;
      case 'rmdir': nodefs.rmdirSync(p(op.path)); break;
      case 'creat': nodefs.closeSync(nodefs.openSync(p(op.path), 'w')); break;
      case 'unlink': nodefs.unlinkSync(p(op.path)); break;
      case 'link': nodefs.linkSync(p(op.oldPath), p(op.newPath)); break;
      case 'symlink': nodefs.symlinkSync(op.target, p(op.path)); break;
      case 'rename': nodefs.renameSync(p(op.oldPath), p(op.newPath)); break;
      case 'write': {
        const fd = nodefs.openSync(p(op.path), 'r+');
        try {
          nodefs.writeSync(fd, patternBytes(op.seed, op.offset, op.length), 0, op.length, op.offset);
        } finally {
          nodefs.closeSync(fd);
        }
        break;
      }
      case 'truncate': nodefs.truncateSync(p(op.path), op.length); break;
      default: throw new Error(`not run on Linux: ${op.kind}`);
    }
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

describe('model vs Linux (node:fs in a tmpdir)', () => {
  const base = mkdtempSync(join(tmpdir(), 'pmemfs-model-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: same error codes and trees over 400 random ops`, () => {
      const root = join(base, `s${seed}`);
      nodefs.mkdirSync(root);
      const model = new Model();
      const r = prng(seed);
      const log: string[] = [];
      for (let j = 0; j < 400; j++) {
        const op = draw(r, j);
        const m = model.apply(op);
        const got = m.ok ? 'ok' : m.code;
        const linux = onLinux(root, op);
        log.push(`${formatOp(op)}  model ${got}, linux ${linux}`);
        expect(got, log.slice(-15).join('\n')).toBe(linux);
        expect(diffTrees(model.tree(), captureTree(nodefs, root)), log.slice(-15).join('\n')).toEqual([]);
      }
    });
  }
});
