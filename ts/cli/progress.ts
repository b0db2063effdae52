import cliProgress from 'cli-progress';

/** A progress bar on stderr (cli-progress); plain lines when stderr is not a terminal. */
export function progressBar(total: number, label: string): { update(done: number, what: string): void; stop(): void } {
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {value}/{total} {what}`,
    stream: process.stderr,
    noTTYOutput: false,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  const tty = Boolean(process.stderr.isTTY);
  if (tty) bar.start(total, 0, { what: '' });
  return {
    update(done, what) {
      if (tty) bar.update(done, { what });
      else process.stderr.write(`${label} ${done}/${total} ${what}\n`);
    },
    stop() { if (tty) bar.stop(); },
  };
}
