/**
 * A progress bar on stderr (paths done, rate, ETA) when stderr is a terminal; silent otherwise, so
 * logs and pipes stay clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update: (done: number, total: number) => void;
  stop: () => void;
}

export function createProgress(total: number, label = 'paths', stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {bar} {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  bar.start(total, 0, { rate: '0' });
  return {
    update: (done) => {
      const secs = (Date.now() - t0) / 1000;
      bar.update(done, { rate: secs > 0 ? (done / secs).toFixed(1) : '0' });
    },
    stop: () => bar.stop(),
  };
}
