// Node's file system for save/load paths and mnist({ dir }); src/node.ts installs it.
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { threadId } from "node:worker_threads";
import { gunzipSync } from "node:zlib";
import type { FileSystem, OpenFile } from "./files.js";

/** Node's error for `path` as one line that starts with `op:` and names the path. */
function fsError(op: string, verb: string, path: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: "no such file or directory (ENOENT)",
    EISDIR: "it is a directory, not a file (EISDIR)",
    EACCES: "permission denied (EACCES)",
    ENOTDIR: "a part of the path is not a directory (ENOTDIR)",
  };
  return new Error(`${op}: cannot ${verb} ${path}: ${(err.code && why[err.code]) ?? err.message}`);
}

// Numbers the saves of this thread: with the pid and the thread id, every temporary name is unique.
let saves = 0;

export const nodeFiles: FileSystem = {
  open(path: string, op: string): OpenFile {
    let fd: number;
    let size: number;
    try {
      fd = fs.openSync(path, "r");
    } catch (e) {
      throw fsError(op, "read", path, e);
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
      size = st.size;
    } catch (e) {
      fs.closeSync(fd);
      throw fsError(op, "read", path, e);
    }
    return {
      size,
      read(position: number, length: number): Uint8Array {
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          let n: number;
          try {
            n = fs.readSync(fd, out, done, length - done, position + done);
          } catch (e) {
            throw fsError(op, "read", path, e);
          }
          if (n === 0) throw new Error(`${op}: ${path} ended after ${position + done} bytes (was it changed while being read?)`);
          done += n;
        }
        return out;
      },
      close: () => fs.closeSync(fd),
    };
  },

  // The bytes go to a temporary file of a name no other call uses (pid, thread id, a counter and a
  // random suffix: threads of one process share the pid), are flushed to disk, and the file is
  // renamed over `path`. rename() replaces the directory entry in one step, so a reader opens
  // either the old file or the complete new one, and a crash never leaves a half-written `path`.
  writeAtomic(path: string, chunks: readonly Uint8Array[], op: string): void {
    const tmp = `${path}.tmp-${process.pid}-${threadId}-${++saves}-${Math.random().toString(36).slice(2, 8)}`;
    let fd: number;
    try {
      fd = fs.openSync(tmp, "wx");
    } catch (e) {
      throw fsError(op, "write", path, e);
    }
    try {
      for (const c of chunks) {
        let done = 0;
        while (done < c.byteLength) done += fs.writeSync(fd, c, done, c.byteLength - done);
      }
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw fsError(op, "write", path, e);
    }
    try {
      fs.closeSync(fd);
      fs.renameSync(tmp, path);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw fsError(op, "write", path, e);
    }
  },

  exists: (path: string) => fs.existsSync(path),
  join: (dir: string, name: string) => nodePath.join(dir, name),
  gunzip: (bytes: Uint8Array) => gunzipSync(bytes),
};
