/** Numbers shared by every virtio device and transport, named as in the virtio 1.2 specification. */

/** virtio 1.2 §2.1 Device Status Field. */
export const VIRTIO_STATUS_ACKNOWLEDGE = 1;
export const VIRTIO_STATUS_DRIVER = 2;
export const VIRTIO_STATUS_DRIVER_OK = 4;
export const VIRTIO_STATUS_FEATURES_OK = 8;
export const VIRTIO_STATUS_DEVICE_NEEDS_RESET = 64;
export const VIRTIO_STATUS_FAILED = 128;

/** virtio 1.2 §6 Reserved Feature Bits (bit numbers). */
export const VIRTIO_F_RING_INDIRECT_DESC = 28;
export const VIRTIO_F_RING_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

/** virtio 1.2 §5 Device Types (Device ID). 0 marks an empty transport slot. */
export const VIRTIO_ID_NONE = 0;
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_ID_ENTROPY = 4;

/** The feature mask for one feature bit number. */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** True when `features` has feature bit `bit` set. */
export function hasFeature(features: bigint, bit: number): boolean {
  return (features & featureBit(bit)) !== 0n;
}
