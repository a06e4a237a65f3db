// What each JavaScript library implements for the bench worker.
import type { Cell, RunRequest } from "../common.js";

/** A prepared cell: `run` performs one repetition and returns when its result is ready. */
export interface Prepared {
  run: () => unknown;
  dispose?: () => void;
  /** Bandwidth-bound cells: one STREAM-add run on the threads `run` uses, in GB/s (see RunResult). */
  stream?: () => number;
}

export interface LibImpl {
  /** Loads the library; a string is a reason it cannot run here. */
  init(): Promise<{ version: string } | string>;
  /** Builds the inputs of a cell outside the timed region; a string is a reason to skip it. */
  prepare(cell: Cell, req: RunRequest): Promise<Prepared | string>;
}
