/**
 * An indexed binary max-heap over trader ids 0..n−1 with float64 keys, in typed arrays (no
 * allocation after construction). Supports insert-or-update and removal by id in O(log n), so the
 * engine can keep every account ordered by its trigger price and touch only the accounts whose
 * trigger a price move crossed.
 */
export class IndexedMaxHeap {
  private readonly heap: Int32Array; // heap position → id
  private readonly pos: Int32Array; // id → heap position, −1 if absent
  private readonly key: Float64Array; // id → key
  private n = 0;

  constructor(capacity: number) {
    this.heap = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
    this.key = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  has(id: number): boolean {
    return this.pos[id] >= 0;
  }

  /** Largest key, or −∞ when empty. */
  topKey(): number {
    return this.n > 0 ? this.key[this.heap[0]] : -Infinity;
  }

  topId(): number {
    return this.n > 0 ? this.heap[0] : -1;
  }

  keyOf(id: number): number {
    return this.key[id];
  }

  /** Inserts `id` with `key`, or changes its key if present. */
  set(id: number, key: number): void {
    const p = this.pos[id];
    if (p < 0) {
      this.key[id] = key;
      this.heap[this.n] = id;
      this.pos[id] = this.n;
      this.n++;
      this.up(this.n - 1);
    } else {
      const old = this.key[id];
      this.key[id] = key;
      if (key > old) this.up(p);
      else if (key < old) this.down(p);
    }
  }

  /** Removes `id` if present. */
  remove(id: number): void {
    const p = this.pos[id];
    if (p < 0) return;
    this.n--;
    this.pos[id] = -1;
    if (p === this.n) return;
    const last = this.heap[this.n];
    this.heap[p] = last;
    this.pos[last] = p;
    this.up(p);
    this.down(this.pos[last]);
  }

  /**
   * Makes this heap an exact copy of `src` (same capacity). Sparse heaps are copied entry by entry,
   * O(this.size + src.size); dense ones by memcpy, O(capacity).
   */
  copyFrom(src: IndexedMaxHeap): void {
    if ((this.n + src.n) * 8 < this.heap.length) {
      this.clear();
      for (let i = 0; i < src.n; i++) {
        const id = src.heap[i];
        this.heap[i] = id;
        this.pos[id] = i;
        this.key[id] = src.key[id];
      }
      this.n = src.n;
      return;
    }
    this.heap.set(src.heap);
    this.pos.set(src.pos);
    this.key.set(src.key);
    this.n = src.n;
  }

  /** Copies the ids currently in the heap into `out` (any order); returns how many. O(size). */
  snapshotIds(out: Int32Array): number {
    out.set(this.heap.subarray(0, this.n));
    return this.n;
  }

  /** Empties the heap. O(size). */
  clear(): void {
    for (let i = 0; i < this.n; i++) this.pos[this.heap[i]] = -1;
    this.n = 0;
  }

  /** Removes and returns the id with the largest key (−1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const id = this.heap[0];
    this.remove(id);
    return id;
  }

  private up(i: number): void {
    const { heap, pos, key } = this;
    const id = heap[i];
    const k = key[id];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pid = heap[parent];
      if (key[pid] >= k) break;
      heap[i] = pid;
      pos[pid] = i;
      i = parent;
    }
    heap[i] = id;
    pos[id] = i;
  }

  private down(i: number): void {
    const { heap, pos, key } = this;
    const n = this.n;
    const id = heap[i];
    const k = key[id];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && key[heap[r]] > key[heap[l]]) c = r;
      if (key[heap[c]] <= k) break;
      heap[i] = heap[c];
      pos[heap[c]] = i;
      i = c;
    }
    heap[i] = id;
    pos[id] = i;
  }
}
