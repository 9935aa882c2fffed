import { VmError } from '@vm/core';

/**
 * The driver broke the virtio protocol (bad descriptor, ring outside RAM, loop, ...). Never
 * escapes to the host: the transport turns it into DEVICE_NEEDS_RESET (virtio 1.2 §2.1.2).
 */
export class VirtioDriverError extends VmError {
  override name = 'VirtioDriverError';
}
