/**
 * Reading users' files with a cap, and writing output folders all-or-nothing (issue 11 items 4, 11
 * and 16): devices and pipes are refused without being read, a file over the cap is refused, an
 * output folder is replaced as a whole (never a mix of two runs) and keeps what the command does not
 * write, a failed write changes nothing and leaves no temporary, temporaries of killed processes are
 * cleaned (and a folder moved aside just before a kill is put back), and nothing spins under /proc.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkOutputFolder, cleanStaleTemporaries, commitOutputFolder, makeDirs, readBoundedFile, rethrowFs } from '../../src/io/files.js';
import { UserError } from '../../src/errors.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'marginlab-io-'));

/** A process id that is certainly not running (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('readBoundedFile', () => {
  it('reads a regular file', () => {
    const f = path.join(tmp(), 'a.txt');
    writeFileSync(f, 'hello');
    expect(readBoundedFile(f, 100, 'test file').toString()).toBe('hello');
  });
  it('refuses a device (/dev/zero) without reading it, naming the file', () => {
    expect(() => readBoundedFile('/dev/zero', 1024, 'scenario file')).toThrow(UserError);
    expect(() => readBoundedFile('/dev/zero', 1024, 'scenario file')).toThrow(/\/dev\/zero: is not a regular file/);
  });
  it('refuses a named pipe without blocking on it', () => {
    const fifo = path.join(tmp(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(() => readBoundedFile(fifo, 1024, 'price CSV')).toThrow(/is not a regular file/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('refuses a file over the cap, and a /proc file that reports size 0 but holds more', () => {
    const f = path.join(tmp(), 'big.txt');
    writeFileSync(f, 'x'.repeat(2000));
    expect(() => readBoundedFile(f, 1000, 'scenario file')).toThrow(/larger than the 1000 bytes allowed/);
    expect(statSync('/proc/self/maps').size).toBe(0);
    expect(() => readBoundedFile('/proc/self/maps', 10, 'scenario file')).toThrow(/larger than the 10 bytes allowed/);
  });
  it('a missing file and a folder are one-line user errors', () => {
    expect(() => readBoundedFile('/nonexistent/x.yaml', 10, 'scenario file')).toThrow(/x\.yaml: scenario file not found/);
    expect(() => readBoundedFile(tmp(), 10, 'scenario file')).toThrow(/is a folder, expected a scenario file/);
  });
});

describe('file-system errors become one-line user errors', () => {
  it('a full disk (ENOSPC, from /dev/full) says so', () => {
    let err: unknown;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (e) {
      err = e;
    }
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(() => rethrowFs(err, '--out x', 'cannot write the output')).toThrow(new UserError('--out x: cannot write the output (no space left on the device)'));
  });
  it('a non-file-system error is rethrown unchanged (an internal failure)', () => {
    const e = new TypeError('boom');
    expect(() => rethrowFs(e, 'x', 'y')).toThrow(e);
  });
  it('makeDirs under /proc fails at once instead of spinning', () => {
    const t0 = Date.now();
    expect(() => makeDirs('/proc/marginlab-x/y')).toThrow();
    expect(() => checkOutputFolder('/proc/marginlab-x/y', ['index.html'])).toThrow(UserError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('checkOutputFolder (before any work)', () => {
  it('accepts a new folder and an earlier output folder, creating nothing', () => {
    const d = tmp();
    checkOutputFolder(path.join(d, 'new', 'out'), ['results.json', 'index.html', 'figures']);
    expect(readdirSync(d)).toEqual([]);
    mkdirSync(path.join(d, 'old', 'figures'), { recursive: true });
    writeFileSync(path.join(d, 'old', 'results.json'), '{}');
    checkOutputFolder(path.join(d, 'old'), ['results.json', 'index.html', 'figures']);
  });
  it('refuses a file as the folder, a file inside the path, figures being a file, and a folder holding other files', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'f'), '');
    expect(() => checkOutputFolder(path.join(d, 'f'), ['index.html'])).toThrow(/is a file, expected a folder/);
    expect(() => checkOutputFolder(path.join(d, 'f', 'sub'), ['index.html'])).toThrow(/is a file, so the folder cannot be created there/);
    mkdirSync(path.join(d, 'o'));
    writeFileSync(path.join(d, 'o', 'figures'), '');
    expect(() => checkOutputFolder(path.join(d, 'o'), ['index.html', 'figures'])).toThrow(/figures is a file, where the output needs a folder/);
    mkdirSync(path.join(d, 'mine'));
    writeFileSync(path.join(d, 'mine', 'notes.txt'), 'my notes');
    expect(() => checkOutputFolder(path.join(d, 'mine'), ['index.html'])).toThrow(/holds files marginlab did not write \(e\.g\. "notes\.txt"\)/);
  });
});

describe('the working folder is never an output folder', () => {
  it('--out . and --out .. are refused (the folder is replaced as a whole)', () => {
    expect(() => checkOutputFolder('.', ['index.html'])).toThrow(/--out \.: is the working folder or holds it/);
    expect(() => checkOutputFolder('..', ['index.html'])).toThrow(/is the working folder or holds it/);
    expect(() => commitOutputFolder('.', { 'index.html': 'x' })).toThrow(UserError);
  });
});

describe('commitOutputFolder', () => {
  it('writes a new folder whole and leaves no temporary beside it', () => {
    const d = tmp();
    const out = path.join(d, 'a', 'out');
    const written = commitOutputFolder(out, { 'results.json': '1', 'figures/x.svg': '<svg/>' });
    expect(written).toEqual([path.join(out, 'results.json'), path.join(out, 'figures/x.svg')]);
    expect(readFileSync(path.join(out, 'figures/x.svg'), 'utf8')).toBe('<svg/>');
    expect(readdirSync(path.join(d, 'a'))).toEqual(['out']);
  });
  it('replaces an earlier output as a whole: stale figures go, entries it does not write are kept', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    commitOutputFolder(out, { 'sweep.json': 'A', 'index.html': 'A', 'figures/old.svg': 'A', 'manifest.json': 'M', 'points/p.json': 'P' });
    commitOutputFolder(out, { 'sweep.json': 'B', 'index.html': 'B' }, { replace: ['sweep.json', 'index.html', 'figures'] });
    expect(readdirSync(out).sort()).toEqual(['index.html', 'manifest.json', 'points', 'sweep.json']);
    expect(readFileSync(path.join(out, 'sweep.json'), 'utf8')).toBe('B');
    expect(readFileSync(path.join(out, 'points/p.json'), 'utf8')).toBe('P');
    expect(readdirSync(d)).toEqual(['out']);
  });
  it('a failed write changes nothing and leaves no temporary', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    commitOutputFolder(out, { 'results.json': 'A', 'index.html': 'A' });
    // 'x' is written as a file, then 'x/y' needs it to be a folder: the write fails half-way
    expect(() => commitOutputFolder(out, { 'results.json': 'B', x: 'file', 'x/y': 'B' })).toThrow(UserError);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe('A');
    expect(readdirSync(d)).toEqual(['out']);
  });
  it('cleans temporaries of killed processes, and puts back a folder moved aside just before a kill', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    const pid = deadPid();
    mkdirSync(path.join(d, `.out.tmp-${pid}-abcd1234`));
    mkdirSync(path.join(d, `.out.old-${pid}-abcd1234`));
    writeFileSync(path.join(d, `.out.old-${pid}-abcd1234`, 'results.json'), 'OLD');
    mkdirSync(path.join(d, `.out.tmp-${process.pid}-live0001`)); // this process: alive, kept
    cleanStaleTemporaries(out);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe('OLD');
    expect(readdirSync(d).sort()).toEqual([`.out.tmp-${process.pid}-live0001`, 'out']);
    // a per-file temporary of the old writer, inside the folder and in points/
    mkdirSync(path.join(out, 'points'));
    writeFileSync(path.join(out, `results.json.tmp-${pid}`), 'x');
    writeFileSync(path.join(out, 'points', `a.json.tmp-${pid}`), 'x');
    commitOutputFolder(out, { 'results.json': 'NEW' });
    expect(readdirSync(out).sort()).toEqual(['points', 'results.json']);
    expect(readdirSync(path.join(out, 'points'))).toEqual([]);
    expect(existsSync(path.join(d, `.out.tmp-${pid}-abcd1234`))).toBe(false);
  });
});
