import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, FormatError } from '@vm/core';
import type { MachineSnapshot } from './machine-snapshot.js';
import { decodeSnapshot, encodeSnapshot, type EncodeOptions } from './vmsnap-format.js';

/** Write a checkpoint to `file` (through a temporary file renamed into place). Returns the bytes written. */
export function writeSnapshot(file: string, s: MachineSnapshot, options: EncodeOptions = {}): number {
  const parts = encodeSnapshot(s, options);
  const tmp = `${file}.tmp-${process.pid}`;
  let total = 0;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const p of parts) {
        let done = 0;
        while (done < p.length) done += writeSync(fd, p, done, p.length - done);
        total += p.length;
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    // No temporary file is left behind, and the error names the file (a missing folder, a folder
    // in the way, a full disk), not a Node stack trace.
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no directory ${dirname(file)}` : code === 'EISDIR' ? 'is a directory' : e instanceof Error ? e.message : String(e);
    throw new ConfigError(`snapshot file '${file}': cannot write it: ${why}`);
  }
  return total;
}

/** Read and fully check a .vmsnap file; errors are FormatErrors naming the file, offset and section. */
export function readSnapshot(file: string): MachineSnapshot {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    // Node's own words (EISDIR: illegal operation on a directory, read) made plain.
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'ERR_FS_FILE_TOO_LARGE' ? 'too large to be a snapshot (over 2 GiB)' : e instanceof Error ? e.message : String(e);
    throw new FormatError(file, 0, 'file', why);
  }
  return decodeSnapshot(bytes, file);
}
