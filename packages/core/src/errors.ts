/** Base of every error this project raises on purpose. */
export class VmError extends Error {
  override name = 'VmError';
}

/** A malformed input file: names the file, the byte offset and the field at fault. */
export class FormatError extends VmError {
  override name = 'FormatError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: at offset 0x${offset.toString(16)} (${field}): ${problem}`);
  }
}

/** Bad flags or configuration given by the user. */
export class ConfigError extends VmError {
  override name = 'ConfigError';
}

/** A guest-physical access outside the guest's memory (DMA by a device on behalf of a guest). */
export class GuestMemoryError extends VmError {
  override name = 'GuestMemoryError';
  constructor(
    readonly addr: number,
    readonly length: number,
  ) {
    super(`guest-physical access 0x${addr.toString(16)}+${length} is outside guest RAM`);
  }
}
