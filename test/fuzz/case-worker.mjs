/**
 * Runs `marginlab` (the built CLI's `main()`, dist/cli/main.js) in a worker thread for the fuzz test:
 * each message is one command line; the reply is its exit code and everything it wrote to stderr.
 * Running in a worker lets the test stop a case that hangs (`worker.terminate()`) instead of
 * hanging itself.
 */
import { parentPort } from 'node:worker_threads';

const { main } = await import(new URL('../../dist/cli/main.js', import.meta.url).href);

parentPort.on('message', async ({ id, argv }) => {
  let stderr = '';
  const original = process.stderr.write;
  process.stderr.write = (chunk) => {
    stderr += String(chunk);
    return true;
  };
  let code;
  try {
    code = await main(argv);
  } catch (e) {
    code = -1;
    stderr += `uncaught: ${e?.stack ?? String(e)}`;
  } finally {
    process.stderr.write = original;
  }
  parentPort.postMessage({ id, code, stderr });
});
