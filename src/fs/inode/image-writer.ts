/**
 * The next checkpoint image's payload (format/image.ts), built from the in-memory state:
 *
 *   buildImage(meta, imageBlocks) -> { payload, top, state }
 *
 * Loaded inodes are encoded from memory (MetaState.groupItems); an inode never loaded since its
 * image was written cannot have changed (every change loads it first), so its group is copied
 * verbatim from the current image: one device read per run of consecutive unloaded groups, and
 * no decoding. The space map comes from BlockSpace's refcounts (referencedRuns), leaving out the
 * current image's blocks. `state` marks which entries of the new index are loaded, for
 * MetaState.rebaseImage once the image is committed.
 */
import { GROUP, INODE_ITEM_BYTES, ImageTop, MAP_ITEM_BYTES, encodeItem, encodeTop, itemBytes, linkItemBytes, sealGroup, topLayout } from '../format/index.js';
import type { Inode } from './inode.js';
import type { Extent } from '../alloc/index.js';
import { LOADED, UNLOADED, type MetaState } from './meta-state.js';

export interface BuiltImage {
  payload: Uint8Array;
  top: ImageTop;
  state: Uint8Array;
}

export function buildImage(meta: MetaState, imageBlocks: readonly Extent[]): BuiltImage {
  const { image, state: oldState } = meta.imageIndex();
  const old = image?.top ?? ImageTop.EMPTY;
  const loaded = new Uint32Array(meta.inodes.size);
  let at = 0;
  for (const ino of meta.inodes.keys()) loaded[at++] = ino;
  loaded.sort();
  const n = loaded.length + meta.unloadedCount;

  // Pass 1: the new index in inode order (a merge of the loaded inodes and the unloaded
  // entries of the current index), with every group's size. Offsets come once sizes are known.
  const index = new Uint32Array(4 * n);
  const state = new Uint8Array(n);
  const from = new Float64Array(n); // unloaded: the group's offset in the current image
  const inodeAt: Array<Inode | undefined> = new Array<Inode | undefined>(n); // loaded: the inode
  let li = 0;
  let oi = 0;
  const nextOld = () => {
    while (oi < old.count && oldState[oi] !== UNLOADED) oi++;
    return oi < old.count ? old.ino(oi) : Infinity;
  };
  for (let k = 0; k < n; k++) {
    const o = nextOld();
    const l = li < loaded.length ? loaded[li]! : Infinity;
    if (l < o) {
      const inode = meta.inodes.get(l)!;
      inodeAt[k] = inode;
      index[4 * k] = l;
      index[4 * k + 1] = groupSize(inode);
      state[k] = LOADED;
      li++;
    } else {
      index[4 * k] = o;
      index[4 * k + 1] = old.groupBytes(oi);
      from[k] = old.groupOffset(oi);
      state[k] = UNLOADED;
      oi++;
    }
  }

  const orphans = Uint32Array.from(meta.orphans).sort();
  const runList = meta.space.referencedRuns(imageBlocks);
  const runs = new Uint32Array(4 * runList.length);
  runList.forEach((r, i) => {
    runs[4 * i] = r.pblk >>> 0;
    runs[4 * i + 1] = Math.floor(r.pblk / 0x1_0000_0000);
    runs[4 * i + 2] = r.count;
    runs[4 * i + 3] = r.refcount;
  });
  const lay = topLayout(orphans.length, n, runList.length);
  let total = lay.topBytes;
  for (let k = 0; k < n; k++) {
    index[4 * k + 2] = total >>> 0;
    index[4 * k + 3] = Math.floor(total / 0x1_0000_0000);
    total += index[4 * k + 1]!;
  }
  const top = new ImageTop(lay.topBytes, orphans, index, runs);
  const payload = new Uint8Array(total);
  const v = new DataView(payload.buffer);

  // Pass 2: groups. Consecutive unloaded groups that were adjacent in the old image are copied
  // in one read. Loaded inodes' items are made again rather than kept from pass 1: a million
  // inodes' item lists at once would cost more memory than the payload itself.
  for (let k = 0; k < n; ) {
    const at = top.groupOffset(k);
    const inode = inodeAt[k];
    if (inode !== undefined) {
      let pos = at + GROUP.header;
      for (const it of meta.groupItems(inode)) pos = encodeItem(v, payload, pos, it);
      sealGroup(payload, at, top.groupBytes(k), inode.ino, inode.parent);
      k++;
      continue;
    }
    let end = k + 1;
    let len = top.groupBytes(k);
    while (end < n && state[end] === UNLOADED && from[end] === from[end - 1]! + top.groupBytes(end - 1)) {
      len += top.groupBytes(end);
      end++;
    }
    image!.readInto(from[k]!, payload.subarray(at, at + len));
    k = end;
  }
  encodeTop(payload, top);
  return { payload, top, state };
}

/**
 * Bytes of an inode's group: what summing itemBytes over MetaState.groupItems gives, without
 * making the items (a million inodes' worth of objects, made again in pass 2 anyway).
 */
function groupSize(ino: Inode): number {
  let size = GROUP.header + INODE_ITEM_BYTES + ino.extents.count * MAP_ITEM_BYTES;
  if (ino.type === 'symlink') size += itemBytes({ t: 'symlink', ino: ino.ino, target: ino.target });
  if (ino.xattrs !== null) for (const [name, value] of ino.xattrs) size += itemBytes({ t: 'xset', ino: ino.ino, name, value });
  if (ino.entries !== null) for (const name of ino.entries.keys()) size += linkItemBytes(name);
  return size;
}
