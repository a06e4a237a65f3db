// The examples' command lines, one layer on node:util's parseArgs: `--help` prints the usage (built
// from the flags), and an unknown or malformed flag prints one line plus the usage and exits 2,
// never a stack trace. The flags every example shares come from FLAGS, so the same thing has the
// same name everywhere:
//   --device NAME  --seed N  --epochs N / --steps N  --batch-size N  --lr X  --limit N
//   --out DIR (directory of the default outputs)  --save FILE (weights written)
//   --load FILE (weights read)  --plot FILE (curves, SVG)  --json (a JSON summary as the last line)
import { parseArgs } from "node:util";
import { availableDevices, getDefaultDevice } from "../../src/node.js";

interface Common {
  help: string;
  /** Where the usage groups flags (e.g. "training:"); flags without one come first. */
  section?: string;
}
/** One flag. `arg` names its value in the usage; `defaultText` replaces the printed default. */
export type Flag = Common &
  (
    | { type: "boolean" }
    | { type: "string"; arg: string; default?: string; defaultText?: string; /** Accepted values (the help names them). */ choices?: readonly string[] }
    | { type: "int" | "number"; arg: string; default?: number; defaultText?: string; min?: number; above?: number }
    | { type: "device" }
  );

type ValueOf<F> = F extends { type: "boolean" }
  ? boolean
  : F extends { type: "device" }
    ? string
    : F extends { type: "int" | "number" }
      ? F extends { default: number } ? number : number | undefined
      : F extends { default: string } ? string : string | undefined;

export type Values<T extends Record<string, Flag>> = { -readonly [K in keyof T]: ValueOf<T[K]> };

/** The flags the examples share; each call may change the default or the help. */
export const FLAGS = {
  device: () => ({ type: "device", help: "backend" }) as const,
  seed: (dflt: number, help = "seed of the initial weights, the shuffling and sampling") =>
    ({ type: "int", arg: "N", min: 0, default: dflt, help }) as const,
  epochs: (dflt: number) => ({ type: "int", arg: "N", min: 1, default: dflt, help: "training epochs" }) as const,
  steps: (dflt: number) => ({ type: "int", arg: "N", min: 0, default: dflt, help: "training steps" }) as const,
  batchSize: (dflt: number) => ({ type: "int", arg: "N", min: 1, default: dflt, help: "samples per step" }) as const,
  lr: (dflt: number, help = "learning rate") => ({ type: "number", arg: "X", above: 0, default: dflt, help }) as const,
  limit: (help: string) => ({ type: "int", arg: "N", min: 1, help }) as const,
  out: (help = "directory of the default outputs") => ({ type: "string", arg: "DIR", default: "out", help }) as const,
  save: (help: string, defaultText: string) => ({ type: "string", arg: "FILE", help, defaultText }) as const,
  load: (help: string, defaultText?: string) => ({ type: "string", arg: "FILE", help, defaultText }) as const,
  plot: (help: string, defaultText: string) => ({ type: "string", arg: "FILE", help, defaultText }) as const,
  json: (help = "end with one line of JSON (the run's summary)") => ({ type: "boolean", help }) as const,
};

export interface CommandSpec<T extends Record<string, Flag>> {
  /** Prefix of error lines, e.g. "mnist". */
  name: string;
  /** How to run it, e.g. "npm run mnist -- [flags]". */
  synopsis: string;
  /** What it does, printed first by --help. */
  description: string;
  flags: T;
  /** Lines after the flags (examples, notes). */
  epilog?: string;
}

export interface Command<T extends Record<string, Flag>> {
  usage: string;
  /** Parses `argv` (default: the process's); prints the usage and exits 0 on --help, exits 2 on a bad flag. */
  parse(argv?: string[]): Values<T>;
  /** A bad command line found later (a missing file, a missing mode): one line, the usage, exit 2. */
  fail(message: string): never;
}

const HELP: Flag = { type: "boolean", help: "this text" };

/** The device a --device flag defaults to. webgpu (DLGRAD_DEVICE=webgpu) is not registered until
 *  the example starts it (asking for an adapter is asynchronous), so it is taken by name here. */
function defaultDevice(): string {
  return process.env.DLGRAD_DEVICE === "webgpu" ? "webgpu" : getDefaultDevice();
}
const deviceNames = () => [...new Set([...availableDevices(), "webgpu"])].join(", ");

function flagLabel(name: string, f: Flag): string {
  return f.type === "boolean" ? `--${name}` : `--${name} ${f.type === "device" ? "NAME" : f.arg}`;
}

function flagHelp(f: Flag): string {
  if (f.type === "boolean") return f.help;
  if (f.type === "device") return `${f.help}: ${deviceNames()} (default ${defaultDevice()}; DLGRAD_DEVICE sets it too)`;
  const dflt = f.defaultText ?? (f.default !== undefined ? String(f.default) : undefined);
  return `${f.help}${dflt !== undefined ? ` (default ${dflt})` : ""}`;
}

function makeUsage(spec: CommandSpec<Record<string, Flag>>): string {
  const all = Object.entries({ ...spec.flags, help: HELP });
  const width = Math.max(...all.map(([n, f]) => flagLabel(n, f).length)) + 2;
  const sections = [...new Set(all.map(([, f]) => f.section ?? ""))];
  const lines = [spec.description, "", `usage: ${spec.synopsis}`];
  for (const s of sections) {
    lines.push("", ...(s ? [s] : []));
    for (const [n, f] of all.filter(([, f]) => (f.section ?? "") === s)) {
      const [first, ...rest] = flagHelp(f).split("\n");
      lines.push(`  ${flagLabel(n, f).padEnd(width)}${first}`, ...rest.map((r) => `  ${" ".repeat(width)}${r}`));
    }
  }
  if (spec.epilog) lines.push("", spec.epilog);
  return lines.join("\n");
}

/** parseArgs' error as one short line (its own messages run long and suggest `--` tricks). */
function parseError(e: unknown): string {
  const err = e as Error & { code?: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag ?? err.message}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ""} (flags start with --)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(err.message)) return `${flag} takes no value`;
      return `${flag} needs a value${/ambiguous/.test(err.message) ? " (write --flag=VALUE for a value starting with -)" : ""}`;
    default:
      return err.message.split("\n")[0];
  }
}

/** A command line for an example: `command(spec).parse()` gives the flags' values, typed. */
export function command<const T extends Record<string, Flag>>(spec: CommandSpec<T>): Command<T> {
  const usage = makeUsage(spec);
  const fail = (message: string): never => {
    process.stderr.write(`${spec.name}: ${message}\n\n${usage}\n`);
    process.exit(2);
  };
  const parse = (argv = process.argv.slice(2)): Values<T> => {
    let raw: Record<string, string | boolean | undefined>;
    try {
      const options = Object.fromEntries(
        Object.entries({ ...spec.flags, help: HELP }).map(([n, f]) => [n, { type: f.type === "boolean" ? ("boolean" as const) : ("string" as const) }]),
      );
      raw = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }).values;
    } catch (e) {
      return fail(parseError(e));
    }
    if (raw.help) {
      console.log(usage);
      process.exit(0);
    }
    const out: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(spec.flags)) {
      const v = raw[name];
      if (f.type === "boolean") {
        out[name] = v === true;
      } else if (f.type === "device") {
        const d = (v as string | undefined) ?? defaultDevice();
        // webgpu is started (and its absence reported) by the example itself
        if (d !== "webgpu" && !availableDevices().includes(d)) fail(`--${name}: unknown or unavailable device '${d}' (available: ${deviceNames()})`);
        out[name] = d;
      } else if (f.type === "string") {
        const s = (v as string | undefined) ?? f.default;
        if (s !== undefined && f.choices && !f.choices.includes(s)) fail(`--${name} must be one of ${f.choices.join(", ")}, got '${s}'`);
        if (s === "") fail(`--${name} needs a value, got ''`);
        out[name] = s;
      } else if (v === undefined) {
        out[name] = f.default;
      } else {
        const n = Number(v);
        const int = f.type === "int";
        const ok = String(v).trim() !== "" && Number.isFinite(n) && (!int || Number.isInteger(n)) && n >= (f.min ?? -Infinity) && n > (f.above ?? -Infinity);
        if (!ok) {
          const range = f.above !== undefined ? ` > ${f.above}` : f.min !== undefined ? ` ≥ ${f.min}` : "";
          fail(`--${name} must be ${int ? "an integer" : "a number"}${range}, got '${v}'`);
        }
        out[name] = n;
      }
    }
    return out as Values<T>;
  };
  return { usage, parse, fail };
}
