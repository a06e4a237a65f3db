// The file system behind paths in save/load/loadMetadata and mnist({ dir }). The main entry has
// none (a web page has no files), so it imports nothing from node:*; the Node entry (src/node.ts)
// installs Node's (src/io/node-files.ts). Bytes in and out work everywhere.

/** An open file: its size and reads of byte ranges. */
export interface OpenFile {
  size: number;
  /** Exactly `length` bytes from `position`; throws if the file holds fewer. */
  read(position: number, length: number): Uint8Array;
  close(): void;
}

export interface FileSystem {
  /** Opens a regular file for reading; errors start with `op:` and name the path. */
  open(path: string, op: string): OpenFile;
  /** Replaces `path` with the chunks' bytes so that readers see the old or the new file, never a mix. */
  writeAtomic(path: string, chunks: readonly Uint8Array[], op: string): void;
  exists(path: string): boolean;
  join(dir: string, name: string): string;
  gunzip(bytes: Uint8Array): Uint8Array;
}

let installed: FileSystem | null = null;

export function setFileSystem(fs: FileSystem | null): void {
  installed = fs;
}

/** The installed file system, or an error for `op` that says what to do without one (`instead`). */
export function fileSystem(op: string, instead: string): FileSystem {
  if (installed) return installed;
  throw new Error(
    `${op}: file paths need Node's file system, which this environment (a browser?) does not have: ${instead}. ` +
      `(In Node, \`import "dlgrad"\` resolves to the Node entry, which provides it.)`,
  );
}

/** The whole file at `path`. */
export function readFile(fs: FileSystem, path: string, op: string): Uint8Array {
  const f = fs.open(path, op);
  try {
    return f.read(0, f.size);
  } finally {
    f.close();
  }
}
