import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '@vm/core';

/** The largest file Node reads into one buffer (readFileSync refuses more: ERR_FS_FILE_TOO_LARGE). */
export const MAX_INPUT_FILE = 2 ** 31 - 1;

/**
 * The one way the CLI reads a whole input file (kernel, firmware, initrd, a disk image read into
 * memory, disasm): a missing file, a directory, a file over 2 GiB or a read error is a
 * ConfigError naming `what` and the path (exit 2), never a Node stack trace.
 */
export function readInputFile(path: string, what: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ConfigError(`${what} '${path}': is a directory`);
    if (!st.isFile()) throw new ConfigError(`${what} '${path}': not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${what} '${path}': no such file`);
  }
  if (size > MAX_INPUT_FILE) throw new ConfigError(`${what} '${path}': ${size} bytes is too large to load (at most 2 GiB - 1)`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`${what} '${path}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A disk image opened in place (not read into memory): it must exist and be a regular file. */
export function checkImageFile(path: string, what: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new ConfigError(`${what}: '${path}': no such file`);
  }
  if (st.isDirectory()) throw new ConfigError(`${what}: '${path}': is a directory`);
  if (!st.isFile() && !st.isBlockDevice()) throw new ConfigError(`${what}: '${path}': not a regular file`);
}
