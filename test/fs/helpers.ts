/** Shared fixtures for filesystem tests: fresh filesystems and tree snapshots. */
import { PmemDevice, mkfs, mount, type Filesystem } from '../../src/index.js';

export const MiB = 1 << 20;

export function freshFs(size = 32 * MiB, opts: { mode?: 'adr' | 'eadr'; logBlocks?: number } = {}): { dev: PmemDevice; fs: Filesystem } {
  const dev = PmemDevice.create({ size, mode: opts.mode ?? 'adr' });
  mkfs(dev, opts.logBlocks === undefined ? {} : { logBlocks: opts.logBlocks });
  return { dev, fs: mount(dev) };
}

/** A comparable picture of a tree: path -> type, size, content hash, nlink, target, xattrs. */
export function snapshot(fs: Filesystem, dir = '/'): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d) as string[]) {
      const p = d === '/' ? `/${name}` : `${d}/${name}`;
      const st = fs.lstatSync(p)!;
      const x = fs.listxattrSync(p).map((n) => `${n}=${fs.getxattrSync(p, n).toString('hex')}`).join(',');
      if (st.isDirectory()) {
        out[p] = `dir nlink=${st.nlink} x=${x}`;
        walk(p);
      } else if (st.isSymbolicLink()) out[p] = `symlink ${fs.readlinkSync(p)}`;
      else {
        const data = fs.readFileSync(p) as Buffer;
        out[p] = `file size=${st.size} nlink=${st.nlink} sum=${hash(data)} x=${x}`;
      }
    }
  };
  walk(dir);
  return out;
}

function hash(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619);
  return (h >>> 0).toString(16);
}

export function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
