/**
 * Blocks of int32 slots cut from a few large pages, for the statistics' many small growing arrays
 * (stored sequences, count rows). Compared with one typed array each, a block is reached with one
 * cache miss instead of three (the array's slot, its header, its data) and costs no ~200-byte
 * header: the neighbour scan reads hundreds of candidate sequences per request and an append
 * touches a dozen rows, so this is most of their memory traffic.
 *
 * A block has a power-of-two number of slots; a freed block joins a free list of its size (linked
 * through its first slot), which the next block of that size reuses. Blocks never straddle pages.
 * Page 0 starts small and doubles (a copy) until it is PAGE slots; later pages are PAGE slots, so
 * no growth copies more than that. A block larger than PAGE gets a page of its own. A block's
 * address is page * PAGE + offset: one int, read with `pageOf` and `offsetOf`.
 */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
/** Pages addressable by a non-negative int32 address. */
const MAX_PAGES = 1 << (31 - PAGE_BITS);

export const pageOf = (address: number): number => address >>> PAGE_BITS;
export const offsetOf = (address: number): number => address & (PAGE - 1);

export class BlockArena {
  readonly pages: Int32Array[];
  /** The page blocks are cut from, and its next free slot. */
  private bump = 0;
  private top = 0;
  /** Address of the first free block per size class (log2 of its slots), -1 for none. */
  private readonly free = new Int32Array(32).fill(-1);
  private slotsHeld = 0;

  constructor(firstPage = 1024) {
    this.pages = [new Int32Array(Math.min(PAGE, Math.max(16, firstPage)))];
  }

  /** Slots in blocks now allocated (memory accounting). */
  get held(): number {
    return this.slotsHeld;
  }

  /** Bytes of all pages, free space included. */
  bytes(): number {
    let n = 0;
    for (const p of this.pages) n += p.byteLength;
    return n;
  }

  /** A block of `slots` (a power of two); its address. Its contents are whatever was there. */
  allocate(slots: number): number {
    this.slotsHeld += slots;
    const c = 31 - Math.clz32(slots);
    const head = this.free[c] as number;
    if (head >= 0) {
      this.free[c] = (this.pages[pageOf(head)] as Int32Array)[offsetOf(head)] as number;
      return head;
    }
    if (slots > PAGE) return this.addPage(slots) * PAGE;
    let page = this.pages[this.bump] as Int32Array;
    if (this.top + slots > page.length && this.bump === 0 && page.length < PAGE) {
      let n = page.length * 2;
      while (n < this.top + slots) n *= 2;
      const b = new Int32Array(Math.min(PAGE, n));
      b.set(page);
      this.pages[0] = b;
      page = b;
    }
    if (this.top + slots > page.length) {
      this.bump = this.addPage(PAGE);
      this.top = 0;
    }
    const at = this.bump * PAGE + this.top;
    this.top += slots;
    return at;
  }

  release(address: number, slots: number): void {
    this.slotsHeld -= slots;
    const p = pageOf(address);
    if (slots > PAGE) {
      // A page of its own: drop its storage (its number is not reused).
      this.pages[p] = new Int32Array(0);
      return;
    }
    const c = 31 - Math.clz32(slots);
    (this.pages[p] as Int32Array)[offsetOf(address)] = this.free[c] as number;
    this.free[c] = address;
  }

  private addPage(slots: number): number {
    if (this.pages.length >= MAX_PAGES) throw new RangeError(`sequence statistics storage is full (${MAX_PAGES} pages)`);
    this.pages.push(new Int32Array(slots));
    return this.pages.length - 1;
  }
}
