export * from './constants.js';
export { VirtioDriverError } from './errors.js';
export { DescriptorChain } from './chain.js';
export type { Segment } from './chain.js';
export { VirtQueue, VIRTQ_MAX_SIZE, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_USED_F_NO_NOTIFY } from './queue.js';
export type { VirtQueueState } from './queue.js';
export { guardDriverErrors } from './device.js';
export type { ConfigWidth, VirtioDevice, VirtioDeviceContext } from './device.js';
export * from './mmio-registers.js';
export { VirtioMmioTransport } from './mmio.js';
export type { VirtioMmioTransportOptions, VirtioMmioTransportState, VirtioMmioVersion } from './mmio.js';
export {
  VirtioBlock,
  VIRTIO_BLK_F_SIZE_MAX,
  VIRTIO_BLK_F_SEG_MAX,
  VIRTIO_BLK_F_GEOMETRY,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_BLK_SIZE,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_TOPOLOGY,
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_ID_BYTES,
  VIRTIO_BLK_SECTOR_SIZE,
} from './blk.js';
export type { VirtioBlockOptions, VirtioBlockState } from './blk.js';
export { VirtioRng } from './rng.js';
export type { VirtioRngOptions, VirtioRngState } from './rng.js';
export {
  VirtioConsole,
  VIRTIO_CONSOLE_F_SIZE,
  VIRTIO_CONSOLE_F_MULTIPORT,
  VIRTIO_CONSOLE_F_EMERG_WRITE,
  VIRTIO_CONSOLE_RECEIVEQ,
  VIRTIO_CONSOLE_TRANSMITQ,
} from './console.js';
export type { VirtioConsoleOptions, VirtioConsoleState } from './console.js';
export type { NetBackend } from './net-backend.js';
export { NetLoopback, NetLink } from './net-backend.js';
export {
  VirtioNet,
  VIRTIO_NET_F_MAC,
  VIRTIO_NET_F_STATUS,
  VIRTIO_NET_S_LINK_UP,
  VIRTIO_NET_RECEIVEQ,
  VIRTIO_NET_TRANSMITQ,
  VIRTIO_NET_HDR_SIZE,
  VIRTIO_NET_LEGACY_HDR_SIZE,
} from './net.js';
export type { VirtioNetOptions, VirtioNetStats, VirtioNetState } from './net.js';
