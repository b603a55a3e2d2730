// Progress of a long ingestion: a bar with rate and ETA on a terminal (cli-progress),
// a plain line every few seconds otherwise (logs, CI).
import cliProgress from 'cli-progress';

export interface Progress {
  update(rows: number, bytes: number): void;
  stop(bytes: number): void;
}

export function startProgress(options: { totalBytes: number | null; label: string; stream?: NodeJS.WriteStream }): Progress {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  let rows = 0;
  let stopped = false;
  const rate = () => Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001));

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.totalBytes ?? 1, 0, { rows: 0, rate: 0 });
    return {
      update(n, bytes) {
        rows = n;
        bar.update(options.totalBytes ? bytes : 0, { rows, rate: rate() });
      },
      stop(bytes) {
        if (stopped) return;
        stopped = true;
        bar.update(options.totalBytes ? bytes : 1, { rows, rate: rate() });
        bar.stop();
      },
    };
  }

  let lastLine = started;
  return {
    update(n, bytes) {
      rows = n;
      if (Date.now() - lastLine < 2_000) return;
      lastLine = Date.now();
      const share = options.totalBytes ? ` (${Math.floor((100 * bytes) / options.totalBytes)}%)` : '';
      stream.write(`${options.label}: ${rows} rows read${share}, ${rate()} rows/s\n`);
    },
    stop() {
      stopped = true;
    },
  };
}
