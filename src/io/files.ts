/**
 * Reading a user's files with a size cap, and writing a command's output folder all-or-nothing.
 * Every failure a user can cause or fix (a missing file, a device instead of a file, a full disk, a
 * read-only folder, a file where a folder should be) is a `UserError` with one line naming the path;
 * nothing here ever echoes a file's contents.
 *
 * Output folders. A command renders everything in memory, writes it into a temporary sibling folder
 * `.<name>.tmp-<pid>-<random>` and moves that folder into place with one rename, so `<out>` always
 * holds the files of one run (never a mix of two) and a failure leaves it as it was. Entries of an
 * existing `<out>` that the command does not write (a study's `manifest.json` and `points/`, the
 * `results.json` a rebuilt report was made from) are carried into the new folder as hard links
 * before the swap. Temporaries left by a killed process are removed the next time the folder is
 * written (a folder moved aside just before a kill is put back).
 */
import { constants, closeSync, copyFileSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, renameSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../errors.js';

export const MIB = 1024 * 1024;

/** What a file-system error code means, in words. */
function fsReason(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case undefined:
      return undefined;
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'EEXIST':
      return 'already exists';
    case 'ENAMETOOLONG':
      return 'name too long';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    case 'EBUSY':
      return 'resource busy';
    default:
      return code;
  }
}

/** Rethrows a file-system error as a one-line `UserError` (`<prefix>: <what> (<reason>)`); anything else unchanged. */
export function rethrowFs(e: unknown, prefix: string, what: string): never {
  if (e instanceof UserError) throw e;
  const reason = fsReason(e);
  if (reason === undefined) throw e;
  throw new UserError(`${prefix}: ${what} (${reason})`);
}

function fmtBytes(n: number): string {
  return n >= MIB ? `${(n / MIB).toFixed(n % MIB === 0 ? 0 : 1)} MiB` : `${n} bytes`;
}

/**
 * Reads a regular file of at most `maxBytes` bytes. Refuses devices, FIFOs and sockets without
 * reading them (`/dev/zero` would never end), and stops reading a file that turns out larger than the
 * cap (files under /proc report size 0). O(size).
 * @param kind what the file should be, for messages ("scenario file", "price CSV", "results file")
 * @throws UserError naming the file: not found, a folder, not a regular file, too large, unreadable
 */
export function readBoundedFile(file: string, maxBytes: number, kind: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${file}: ${kind} not found (no such file)`);
    return rethrowFs(e, file, `cannot read the ${kind}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`${file}: is a folder, expected a ${kind}`);
    if (!st.isFile()) throw new UserError(`${file}: is not a regular file (a device, pipe or socket), expected a ${kind}`);
    const tooBig = () => new UserError(`${file}: the ${kind} is larger than the ${fmtBytes(maxBytes)} allowed`);
    if (st.size > maxBytes) throw tooBig();
    const chunks: Buffer[] = [];
    let total = 0;
    const size = Math.max(64 * 1024, Math.min(st.size + 1, maxBytes + 1));
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(size, maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooBig();
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (e) {
    return rethrowFs(e, file, `cannot read the ${kind}`);
  } finally {
    closeSync(fd);
  }
}

/** Decodes UTF-8 text, dropping a byte-order mark. */
export function utf8(buf: Buffer): string {
  const s = buf.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

// ------------------------------------------------------------------------------------ folders

/** The nearest existing ancestor of `abs` (itself if it exists) and its stat, without following a missing path. */
function nearestExisting(abs: string): { dir: string; isDir: boolean } {
  let p = abs;
  for (let i = 0; i < 4096; i++) {
    try {
      return { dir: p, isDir: statSync(p).isDirectory() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    const up = path.dirname(p);
    if (up === p) break;
    p = up;
  }
  return { dir: p, isDir: true };
}

/**
 * `mkdir -p` that cannot spin: creates the missing components of `abs` one by one (node's recursive
 * mkdir loops forever under /proc). Throws the first file-system error.
 */
export function makeDirs(abs: string): void {
  const missing: string[] = [];
  let p = abs;
  for (let i = 0; i < 4096; i++) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${p} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(p);
    const up = path.dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}

/** Names a marginlab command writes into an output folder (anything else there is the user's). */
const OUTPUT_NAMES = [
  'results.json',
  'index.html',
  'summary.md',
  'figures',
  'sweep.json',
  'calibration.json',
  'comparison.json',
  'sensitivity.json',
  'manifest.json',
  'points',
  'variants',
  'shard.json',
  'paths.bin',
  'paths.parquet',
  'paths.csv',
  'points.parquet',
  'points.csv',
  'series.parquet',
] as const;

/** Files and folders among `replace` that must be folders (everything else must be a file). */
const FOLDER_NAMES = new Set(['figures', 'points', 'variants']);

const STALE = /^(.*)\.tmp-(\d+)(?:-[0-9a-f]+)?$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function rand(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Removes temporaries left by killed processes: `.<base>.tmp-<pid>-…` folders next to `abs`, and
 * `*.tmp-<pid>` files inside it (and one level down, e.g. `points/`). A `.<base>.old-<pid>-…` folder
 * (the previous output, moved aside just before a kill) is put back when `abs` is missing, else removed.
 * Temporaries of live processes are left alone. Best effort: errors are ignored.
 */
export function cleanStaleTemporaries(abs: string): void {
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const ours = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]+$`);
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  for (const name of list(parent)) {
    const m = ours.exec(name);
    if (!m || alive(Number(m[2]))) continue;
    const p = path.join(parent, name);
    try {
      if (m[1] === 'old' && !exists(abs)) renameSync(p, abs);
      else rmSync(p, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  const sweep = (d: string, depth: number) => {
    for (const name of list(d)) {
      const p = path.join(d, name);
      const m = STALE.exec(name);
      if (m && !alive(Number(m[2]))) {
        rmSync(p, { recursive: true, force: true });
      } else if (depth > 0 && FOLDER_NAMES.has(name)) sweep(p, depth - 1);
    }
  };
  try {
    sweep(abs, 1);
  } catch {
    /* best effort */
  }
}

/** The output folder is replaced as a whole: it may not be the working folder or hold it. */
function refuseWorkingFolder(abs: string, flag: string): void {
  const rel = path.relative(abs, process.cwd());
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new UserError(`${flag}: is the working folder or holds it, and an output folder is replaced as a whole; choose a folder inside it (e.g. reports/x)`);
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, before any work, that `dir` can become a command's output folder: it is a folder or can be
 * created, every entry the command replaces has the right type (`figures` a folder, `results.json` a
 * file), it holds nothing but marginlab outputs and hidden files (unless `allowOtherFiles`), it is
 * not the working folder or one holding it, and its parent is writable (a probe folder is created
 * and removed). Creates nothing.
 * @param flag how the folder was given, for messages (`--out reports/x`)
 * @throws UserError naming the folder and what is wrong
 */
export function checkOutputFolder(dir: string, replace: readonly string[], opts: { flag?: string; allowOtherFiles?: boolean } = {}): void {
  const flag = opts.flag ?? `--out ${dir}`;
  const abs = path.resolve(dir);
  refuseWorkingFolder(abs, flag);
  try {
    const near = nearestExisting(abs);
    if (!near.isDir) {
      throw new UserError(near.dir === abs ? `${flag}: is a file, expected a folder` : `${flag}: ${near.dir} is a file, so the folder cannot be created there`);
    }
    if (near.dir === abs) {
      const entries = readdirSync(abs);
      for (const name of replace) {
        if (!entries.includes(name)) continue;
        const isDir = statSync(path.join(abs, name)).isDirectory();
        if (FOLDER_NAMES.has(name) !== isDir) {
          throw new UserError(`${flag}: ${path.join(dir, name)} is ${isDir ? 'a folder' : 'a file'}, where the output needs ${isDir ? 'a file' : 'a folder'}; remove it or choose another --out`);
        }
      }
      if (!opts.allowOtherFiles) {
        // hidden files (.DS_Store, .gitkeep) are tolerated and kept
        const other = entries.filter((n) => !(OUTPUT_NAMES as readonly string[]).includes(n) && !STALE.test(n) && !n.startsWith('.'));
        if (other.length > 0) {
          throw new UserError(`${flag}: the folder holds files marginlab did not write (e.g. ${JSON.stringify(other.sort()[0])}); choose a new or empty folder`);
        }
      }
    }
    // probe: can a folder be created where the temporary output folder will go?
    const probeIn = near.dir === abs ? path.dirname(abs) : near.dir;
    const probe = path.join(probeIn, `.marginlab-probe-${process.pid}-${rand()}`);
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    rethrowFs(e, flag, 'cannot write the output folder');
  }
}

/** Hard-links (or copies) `src` into `dst`, recursively for folders. */
function linkTree(src: string, dst: string): void {
  const st = lstatSync(src);
  if (st.isDirectory()) {
    mkdirSync(dst);
    for (const name of readdirSync(src)) linkTree(path.join(src, name), path.join(dst, name));
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
  } else {
    try {
      linkSync(src, dst);
    } catch {
      copyFileSync(src, dst);
    }
  }
}

/**
 * Writes `files` (relative path → content) as the folder `dir`, all-or-nothing: into a temporary
 * sibling folder first, then moved into place by rename. Top-level entries of an existing `dir` that
 * are not in `replace` (default: the top-level names of `files`) are carried over. Returns the
 * written paths (as `dir`-relative joins).
 * @throws UserError on any file-system failure (full disk, permissions, a file in the way); `dir` is
 *   then unchanged and no temporary is left behind
 */
/** A file's content, or a function that writes it (large files streamed to disk without holding them whole). */
export type FileContent = string | Uint8Array | ((file: string) => void);

export function commitOutputFolder(dir: string, files: Record<string, FileContent>, opts: { replace?: readonly string[]; flag?: string } = {}): string[] {
  const flag = opts.flag ?? `--out ${dir}`;
  let abs = path.resolve(dir);
  try {
    if (exists(abs) && lstatSync(abs).isSymbolicLink()) abs = path.resolve(path.dirname(abs), readlinkSync(abs));
  } catch {
    /* a dangling link is replaced below */
  }
  refuseWorkingFolder(abs, flag);
  const replace = new Set(opts.replace ?? Object.keys(files).map((f) => f.split(/[\\/]/)[0]));
  for (const f of Object.keys(files)) replace.add(f.split(/[\\/]/)[0]);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const stage = path.join(parent, `.${base}.tmp-${process.pid}-${rand()}`);
  let old: string | undefined;
  let swapped = false;
  try {
    cleanStaleTemporaries(abs);
    makeDirs(parent);
    mkdirSync(stage);
    for (const [name, content] of Object.entries(files)) {
      const p = path.join(stage, name);
      makeDirs(path.dirname(p));
      if (typeof content === 'function') content(p);
      else writeFileSync(p, content);
    }
    if (exists(abs)) {
      if (!statSync(abs).isDirectory()) throw new UserError(`${flag}: is a file, expected a folder`);
      for (const name of readdirSync(abs)) {
        if (replace.has(name) || STALE.test(name)) continue;
        linkTree(path.join(abs, name), path.join(stage, name));
      }
      old = path.join(parent, `.${base}.old-${process.pid}-${rand()}`);
      renameSync(abs, old);
    }
    renameSync(stage, abs);
    swapped = true;
  } catch (e) {
    if (old !== undefined && !swapped && !exists(abs)) {
      try {
        renameSync(old, abs);
      } catch {
        /* left for cleanStaleTemporaries to restore */
      }
      old = undefined;
    }
    rmSync(stage, { recursive: true, force: true });
    rethrowFs(e, flag, 'cannot write the output; nothing was changed');
  } finally {
    if (old !== undefined && swapped) rmSync(old, { recursive: true, force: true });
  }
  return Object.keys(files).map((f) => path.join(dir, f));
}

/**
 * Writes one file atomically (temporary file + rename) inside an existing folder: the unit of a
 * study's resume state (`manifest.json`, `points/*.json`). A failed write leaves no temporary.
 * @throws UserError on a file-system failure
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, flag: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    makeDirs(path.dirname(path.resolve(file)));
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    rethrowFs(e, flag, `cannot write ${path.basename(file)}`);
  }
}
