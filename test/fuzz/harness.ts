/**
 * Runs fuzz cases through the CLI in a worker thread (test/fuzz/case-worker.mjs), one at a time,
 * with a time limit per case: a case that runs past it is reported as a hang and the worker is
 * replaced.
 */
import { Worker } from 'node:worker_threads';

export type CaseOutcome = { code: number; stderr: string } | { code: 'timeout'; stderr: '' };

export class CliWorker {
  private worker: Worker | undefined;
  private next = 0;

  private start(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./case-worker.mjs', import.meta.url));
      this.worker.unref();
    }
    return this.worker;
  }

  run(argv: string[], timeoutMs: number): Promise<CaseOutcome> {
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        w.off('message', onMessage);
        w.off('error', onError);
        void w.terminate();
        this.worker = undefined;
        resolve({ code: 'timeout', stderr: '' });
      }, timeoutMs);
      const onMessage = (m: { id: number; code: number; stderr: string }) => {
        if (m.id !== id) return;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        resolve({ code: m.code, stderr: m.stderr });
      };
      const onError = (e: Error) => {
        clearTimeout(timer);
        this.worker = undefined;
        reject(e);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.postMessage({ id, argv });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
