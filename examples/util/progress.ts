// A small progress bar for training loops: epoch, step/total, metrics (loss, accuracy...), it/s, ETA.
// On a terminal it redraws one line in place with `\r`; otherwise (a pipe, a log file, CI) it
// prints plain lines: one per epoch, plus one every `every` steps when asked. No dependencies.
//
//   const bar = new Progress({ total: loader.length, epochs });
//   for (let epoch = 1; epoch <= epochs; epoch++) {
//     bar.startEpoch(epoch);
//     for (const [x, y] of loader) { ...; bar.tick({ loss, acc }); }
//     bar.endEpoch({ loss, acc }, `test acc ${pct(testAcc)}`);
//   }

/** Where the bar writes: `process.stdout` by default, or anything with `write`. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Values shown after the counters, in insertion order. Numbers are formatted by key (see `formatMetric`). */
export type Metrics = Record<string, number | string | undefined>;

export interface ProgressOptions {
  /** Steps per epoch (or in the whole run, for a step-based loop without epochs). */
  total: number;
  /** Number of epochs: shows `epoch 3/15` and an ETA for the whole run. Omit for a step-based loop. */
  epochs?: number;
  /** Output stream (default `process.stdout`). */
  stream?: ProgressStream;
  /** Force the in-place mode on or off (default: `stream.isTTY`). */
  tty?: boolean;
  /** Plain mode only: also print a line every `every` steps (default 0: only at the end of each epoch). */
  every?: number;
  /** In-place mode only: redraw at most this often, in ms (default 80). The last step always draws. */
  minIntervalMs?: number;
  /** Width of the bar in characters (default 24; 0 hides it). */
  width?: number;
  /** A prefix for every line, e.g. `"gan"`. */
  label?: string;
  /** Clock in ms (default `performance.now`); tests pass a fake one. */
  now?: () => number;
}

/** `0.9312` -> `"93.12%"`. */
export function pct(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** Seconds as `m:ss` (or `h:mm:ss`); `"?"` when not finite. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(ss)}` : `${m}:${two(ss)}`;
}

/** Rate with about three significant digits: `1234`, `56.7`, `8.90`, `0.123`. */
export function formatRate(r: number): string {
  if (!Number.isFinite(r)) return "?";
  if (r >= 100) return r.toFixed(0);
  if (r >= 10) return r.toFixed(1);
  if (r >= 1) return r.toFixed(2);
  return r.toPrecision(3);
}

/** Keys containing "acc" are fractions shown as percentages; other numbers get 4 decimals (exponent form when tiny or huge). */
export function formatMetric(key: string, v: number | string): string {
  if (typeof v === "string") return `${key} ${v}`;
  if (/acc/i.test(key) && v >= 0 && v <= 1) return `${key} ${pct(v)}`;
  if (!Number.isFinite(v)) return `${key} ${v}`;
  const a = Math.abs(v);
  return `${key} ${a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(4)}`;
}

export class Progress {
  readonly total: number;
  readonly epochs: number | undefined;
  readonly tty: boolean;
  #stream: ProgressStream;
  #every: number;
  #minInterval: number;
  #width: number;
  #label: string;
  #now: () => number;
  #epoch = 1;
  #step = 0;
  #epochStart: number;
  #runStart: number;
  #lastDraw = -Infinity;
  #lastUpdate = 0; // clock at the last update: an epoch's time excludes what runs between its last step and endEpoch
  #drawn = false; // an unfinished in-place line is on screen
  #metrics: Metrics = {};

  constructor(opts: ProgressOptions) {
    if (!Number.isInteger(opts.total) || opts.total < 0) throw new Error(`Progress: total must be a non-negative integer, got ${opts.total}`);
    this.total = opts.total;
    this.epochs = opts.epochs;
    this.#stream = opts.stream ?? process.stdout;
    this.tty = opts.tty ?? Boolean(this.#stream.isTTY);
    this.#every = opts.every ?? 0;
    this.#minInterval = opts.minIntervalMs ?? 80;
    this.#width = opts.width ?? 24;
    this.#label = opts.label ? `${opts.label} ` : "";
    this.#now = opts.now ?? (() => performance.now());
    this.#runStart = this.#epochStart = this.#now();
  }

  /** Steps done in the current epoch. */
  get step(): number {
    return this.#step;
  }

  /** Seconds since the current epoch started. */
  get epochSeconds(): number {
    return (this.#now() - this.#epochStart) / 1000;
  }

  /** Seconds since the bar was made. */
  get elapsedSeconds(): number {
    return (this.#now() - this.#runStart) / 1000;
  }

  /** Begins epoch `epoch` (1-based; default: the next one): resets the step counter and the clock. */
  startEpoch(epoch?: number): void {
    this.#clear();
    if (epoch !== undefined) this.#epoch = epoch;
    this.#step = 0;
    this.#metrics = {};
    this.#epochStart = this.#lastUpdate = this.#now();
    this.#lastDraw = -Infinity;
  }

  /** One more step done, with the metrics to show. */
  tick(metrics?: Metrics): void {
    this.update(this.#step + 1, metrics);
  }

  /** `step` steps of this epoch are done (1-based), with the metrics to show. */
  update(step: number, metrics?: Metrics): void {
    this.#step = step;
    if (metrics) this.#metrics = { ...this.#metrics, ...metrics };
    const t = (this.#lastUpdate = this.#now());
    if (this.tty) {
      if (t - this.#lastDraw >= this.#minInterval || step >= this.total) {
        this.#lastDraw = t;
        this.#draw(this.#line(true));
      }
    } else if (this.#every > 0 && step % this.#every === 0 && step < this.total) {
      this.#stream.write(this.#line(false) + "\n");
    }
  }

  /**
   * Ends the epoch: prints its final line (both modes) with the metrics given, the epoch's time
   * (start to last update, so an evaluation after the last step is not counted) and `extra` (e.g.
   * the test accuracy) appended, and a newline. Returns the line.
   */
  endEpoch(metrics?: Metrics, extra?: string): string {
    if (metrics) this.#metrics = { ...this.#metrics, ...metrics };
    const parts = [this.#head(), `${this.#step}/${this.total}`, ...this.#metricParts()];
    const secs = (this.#lastUpdate - this.#epochStart) / 1000;
    if (secs > 0 && this.#step > 0) parts.push(`${formatRate(this.#step / secs)} it/s`);
    parts.push(`${secs.toFixed(1)}s`);
    if (extra) parts.push(extra);
    const line = parts.filter((p) => p !== "").join("  ");
    this.#clear();
    this.#stream.write(line + "\n");
    this.#epoch += 1;
    return line;
  }

  /** Prints a message on its own line without garbling the bar (redrawn on the next update). */
  log(message: string): void {
    this.#clear();
    this.#stream.write(message + "\n");
    this.#lastDraw = -Infinity;
  }

  /** Finishes an in-place line that was left unfinished (call when leaving a loop early). */
  done(): void {
    if (this.#drawn) {
      this.#stream.write("\n");
      this.#drawn = false;
    }
  }

  #head(): string {
    return this.epochs !== undefined ? `${this.#label}epoch ${this.#epoch}/${this.epochs}` : this.#label.trim();
  }

  #metricParts(): string[] {
    return Object.entries(this.#metrics)
      .filter((e): e is [string, number | string] => e[1] !== undefined)
      .map(([k, v]) => formatMetric(k, v));
  }

  /** The current line: head, bar (in-place mode), step/total, metrics, it/s, ETA. */
  #line(withBar: boolean): string {
    const step = this.#step, total = this.total;
    const parts = [this.#head()];
    if (withBar && this.#width > 0 && total > 0) {
      const filled = Math.min(this.#width, Math.round((this.#width * step) / total));
      parts.push(`[${"#".repeat(filled)}${"-".repeat(this.#width - filled)}]`);
    }
    parts.push(withBar ? `${step}/${total}` : `step ${step}/${total}`);
    parts.push(...this.#metricParts());
    const secs = this.epochSeconds;
    const rate = secs > 0 ? step / secs : NaN;
    if (step > 0 && Number.isFinite(rate)) {
      parts.push(`${formatRate(rate)} it/s`);
      let remaining = total - step;
      if (this.epochs !== undefined) remaining += Math.max(0, this.epochs - this.#epoch) * total;
      parts.push(`ETA ${formatDuration(remaining / rate)}`);
    }
    return parts.filter((p) => p !== "").join("  ");
  }

  #draw(line: string): void {
    const cols = this.#stream.columns;
    if (cols && cols > 1 && line.length > cols - 1) line = line.slice(0, cols - 1);
    this.#stream.write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#drawn) {
      this.#stream.write("\r\x1b[K");
      this.#drawn = false;
    }
  }
}
