import { VmError } from '@vm/core';

/**
 * A checkpoint that is well-formed but cannot be loaded here: another board shape, a disk file
 * that changed since, a component state this build does not know. Names what does not fit.
 */
export class SnapshotRestoreError extends VmError {
  override name = 'SnapshotRestoreError';
  constructor(
    readonly component: string,
    problem: string,
  ) {
    super(`cannot restore snapshot: ${component}: ${problem}`);
  }
}
