import { VmError } from '@vm/core';
import type { VersionedState } from '@vm/core';

/** A snapshot handed to `restore` has a format version this build does not understand. */
export class SnapshotVersionError extends VmError {
  override name = 'SnapshotVersionError';
  constructor(
    readonly device: string,
    readonly version: unknown,
    readonly supported: readonly number[],
  ) {
    super(`${device}: cannot restore snapshot version ${String(version)} (supported: ${supported.join(', ')})`);
  }
}

/** A snapshot of the right version whose contents do not fit this device (e.g. another hart count). */
export class SnapshotShapeError extends VmError {
  override name = 'SnapshotShapeError';
  constructor(
    readonly device: string,
    problem: string,
  ) {
    super(`${device}: cannot restore snapshot: ${problem}`);
  }
}

/** Throws SnapshotVersionError unless `state.version` is one of `supported`. */
export function checkSnapshotVersion(device: string, state: VersionedState, supported: readonly number[]): void {
  const v = (state as { version?: unknown } | null | undefined)?.version;
  if (typeof v !== 'number' || !supported.includes(v)) throw new SnapshotVersionError(device, v, supported);
}
