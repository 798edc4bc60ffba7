/**
 * BlockBitmap: a set of block numbers as a sparse bitmap, for sets that are touched on every
 * write and are usually tiny (the blocks reserved by the transaction being built).
 *
 * Interface: add(b), delete(b) -> was it there, has(b), size, blocks() (ascending).
 *
 * Representation: pages of PAGE_BITS bits (4 KiB each), made on first use and kept. A JavaScript
 * Set did the same job, but a Set that goes from empty to one element and back on every write
 * reallocates its hash table each time (V8 shrinks it on delete), which was a measurable share
 * of a 4 KiB write's garbage. Devices are up to 2^34 blocks, so a flat bitmap is out: a page
 * exists only for the 128 MiB stretches that ever held a reserved block.
 */

const PAGE_SHIFT = 15;
const PAGE_BITS = 1 << PAGE_SHIFT;

export class BlockBitmap {
  private readonly pages = new Map<number, Uint32Array>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(b: number): void {
    const page = this.page(b, true)!;
    const w = (b & (PAGE_BITS - 1)) >>> 5;
    const bit = 1 << (b & 31);
    if ((page[w]! & bit) !== 0) return;
    page[w] = page[w]! | bit;
    this.count++;
  }

  delete(b: number): boolean {
    if (this.count === 0) return false;
    const page = this.page(b, false);
    if (page === undefined) return false;
    const w = (b & (PAGE_BITS - 1)) >>> 5;
    const bit = 1 << (b & 31);
    if ((page[w]! & bit) === 0) return false;
    page[w] = page[w]! & ~bit;
    this.count--;
    return true;
  }

  has(b: number): boolean {
    if (this.count === 0) return false;
    const page = this.page(b, false);
    return page !== undefined && (page[(b & (PAGE_BITS - 1)) >>> 5]! & (1 << (b & 31))) !== 0;
  }

  /** The members, ascending. */
  blocks(): number[] {
    const out: number[] = [];
    if (this.count === 0) return out;
    for (const p of [...this.pages.keys()].sort((x, y) => x - y)) {
      const page = this.pages.get(p)!;
      for (let w = 0; w < page.length; w++) {
        const word = page[w]!;
        if (word === 0) continue;
        for (let k = 0; k < 32; k++) if ((word >>> k) & 1) out.push(p * PAGE_BITS + w * 32 + k);
      }
    }
    return out;
  }

  /** Block numbers pass 2^31 on large devices: the page index is a division, not a shift. */
  private page(b: number, make: boolean): Uint32Array | undefined {
    const p = Math.floor(b / PAGE_BITS);
    let page = this.pages.get(p);
    if (page === undefined && make) this.pages.set(p, (page = new Uint32Array(PAGE_BITS / 32)));
    return page;
  }
}
