/**
 * An indexed binary max-heap over ids 0..n−1 with float64 keys, in typed arrays (no allocation after
 * construction). Supports insert-or-update and removal by id in O(log n), so the engine can keep every
 * position ordered by its trigger price and touch only the positions whose trigger a price move
 * crossed. Keys are stored in heap order beside the ids, so sifting reads contiguous memory (the
 * engine pops one entry per liquidation; under a heavy cascade this is its hottest loop).
 * Ties: a key equal to its parent's stays below it, so equal keys pop in an order fixed by the
 * sequence of operations alone.
 */
export class IndexedMaxHeap {
  private readonly heap: Int32Array; // heap position → id
  private readonly hk: Float64Array; // heap position → key
  private readonly pos: Int32Array; // id → heap position, −1 if absent
  private n = 0;

  /**
   * @param membership optional per-id bit set shared by several heaps: this heap keeps bit `bit` of
   *   membership[id] equal to "id is in this heap", so a caller can skip heaps an id is not in with
   *   one read. `copyFrom` leaves it alone (copy the shared array as a whole).
   */
  constructor(
    capacity: number,
    private readonly membership?: Uint8Array,
    private readonly bit = 0,
  ) {
    this.heap = new Int32Array(capacity);
    this.hk = new Float64Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.n;
  }

  has(id: number): boolean {
    return this.pos[id] >= 0;
  }

  /** Largest key, or −∞ when empty. */
  topKey(): number {
    return this.n > 0 ? this.hk[0] : -Infinity;
  }

  topId(): number {
    return this.n > 0 ? this.heap[0] : -1;
  }

  /** Key of `id` (NaN when absent). */
  keyOf(id: number): number {
    const p = this.pos[id];
    return p >= 0 ? this.hk[p] : NaN;
  }

  /** Inserts `id` with `key`, or changes its key if present. O(log n). */
  set(id: number, key: number): void {
    const p = this.pos[id];
    if (p < 0) {
      const i = this.n++;
      this.up(i, id, key);
      if (this.membership) this.membership[id] |= this.bit;
    } else {
      const old = this.hk[p];
      if (key > old) this.up(p, id, key);
      else if (key < old) this.down(p, id, key);
    }
  }

  /** Removes `id` if present. O(log n). */
  remove(id: number): void {
    const p = this.pos[id];
    if (p < 0) return;
    this.n--;
    this.pos[id] = -1;
    if (this.membership) this.membership[id] &= ~this.bit;
    if (p === this.n) return;
    const last = this.heap[this.n];
    const k = this.hk[this.n];
    this.up(p, last, k);
    const q = this.pos[last];
    this.down(q, last, k);
  }

  /**
   * Makes this heap an exact copy of `src` (same capacity). Sparse heaps are copied entry by entry,
   * O(this.size + src.size); dense ones by memcpy — the id → position index whole, O(capacity), the
   * entries only up to src.size (nothing reads a heap past its size).
   */
  copyFrom(src: IndexedMaxHeap): void {
    if ((this.n + src.n) * 8 < this.heap.length) {
      this.clear();
      for (let i = 0; i < src.n; i++) {
        const id = src.heap[i];
        this.heap[i] = id;
        this.hk[i] = src.hk[i];
        this.pos[id] = i;
      }
      this.n = src.n;
      return;
    }
    this.heap.set(src.heap.subarray(0, src.n));
    this.hk.set(src.hk.subarray(0, src.n));
    this.pos.set(src.pos);
    this.n = src.n;
  }

  /** Copies the ids currently in the heap into `out` (any order); returns how many. O(size). */
  snapshotIds(out: Int32Array): number {
    out.set(this.heap.subarray(0, this.n));
    return this.n;
  }

  /** Empties the heap. O(size). */
  clear(): void {
    for (let i = 0; i < this.n; i++) {
      const id = this.heap[i];
      this.pos[id] = -1;
      if (this.membership) this.membership[id] &= ~this.bit;
    }
    this.n = 0;
  }

  /** Removes and returns the id with the largest key (−1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    // remove(heap[0]) without its sift up (the root has no parent): the same moves, fewer reads
    const id = this.heap[0];
    const n = --this.n;
    this.pos[id] = -1;
    if (this.membership) this.membership[id] &= ~this.bit;
    if (n > 0) this.down(0, this.heap[n], this.hk[n]);
    return id;
  }

  /** Places (id, k) at position i or above it. */
  private up(i: number, id: number, k: number): void {
    const { heap, pos, hk } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (hk[parent] >= k) break;
      const pid = heap[parent];
      heap[i] = pid;
      hk[i] = hk[parent];
      pos[pid] = i;
      i = parent;
    }
    heap[i] = id;
    hk[i] = k;
    pos[id] = i;
  }

  /** Places (id, k) at position i or below it. */
  private down(i: number, id: number, k: number): void {
    const { heap, pos, hk } = this;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && hk[r] > hk[l]) c = r;
      if (hk[c] <= k) break;
      const cid = heap[c];
      heap[i] = cid;
      hk[i] = hk[c];
      pos[cid] = i;
      i = c;
    }
    heap[i] = id;
    hk[i] = k;
    pos[id] = i;
  }
}
