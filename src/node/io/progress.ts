/**
 * A terminal progress bar for long work (training, synthesis, evaluation): count, rate, ETA
 * and free-form fields (`loss 0.031 psnr 15.2`). Redraws in place on a TTY at most every
 * 100 ms; elsewhere (CI, pipes) prints a plain line every `logEverySec` seconds, and never
 * when `quiet`. Writes to stderr so `--json` output on stdout stays clean.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  unit?: string;
  quiet?: boolean;
  logEverySec?: number;
  stream?: NodeJS.WriteStream;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export class Progress {
  private done = 0;
  private readonly start = performance.now();
  private lastDraw = 0;
  private fields = '';
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Advance by `n` and optionally set the trailing fields. */
  tick(n = 1, fields?: Record<string, string | number>): void {
    this.done += n;
    if (fields) this.setFields(fields);
    this.draw(false);
  }

  setFields(fields: Record<string, string | number>): void {
    this.fields = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : v}`)
      .join('  ');
  }

  /** The line as it would be drawn now (exposed for tests). */
  line(): string {
    const { total, label, unit = 'it' } = this.opts;
    const el = (performance.now() - this.start) / 1000;
    const rate = el > 0 ? this.done / el : 0;
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const frac = total > 0 ? Math.min(1, this.done / total) : 0;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    return `${label} [${bar}] ${this.done}/${total} ${rate.toFixed(rate >= 10 ? 0 : 2)} ${unit}/s ` +
      `elapsed ${formatDuration(el)} eta ${formatDuration(eta)}${this.fields ? '  ' + this.fields : ''}`;
  }

  private draw(final: boolean): void {
    if (this.opts.quiet) return;
    const now = performance.now();
    const every = this.tty ? 100 : (this.opts.logEverySec ?? 10) * 1000;
    if (!final && now - this.lastDraw < every && this.done < this.opts.total) return;
    this.lastDraw = now;
    if (this.tty) this.stream.write(`\r\x1b[2K${this.line()}${final ? '\n' : ''}`);
    else this.stream.write(this.line() + '\n');
  }

  /** Draw the final state and end the line. */
  finish(): void {
    this.draw(true);
  }
}
