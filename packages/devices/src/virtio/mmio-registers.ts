/** virtio 1.2 §4.2.2 MMIO Device Register Layout (offsets from the window base). */
export const VIRTIO_MMIO_MAGIC_VALUE = 0x000;
export const VIRTIO_MMIO_VERSION = 0x004;
export const VIRTIO_MMIO_DEVICE_ID = 0x008;
export const VIRTIO_MMIO_VENDOR_ID = 0x00c;
export const VIRTIO_MMIO_DEVICE_FEATURES = 0x010;
export const VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014;
export const VIRTIO_MMIO_DRIVER_FEATURES = 0x020;
export const VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024;
export const VIRTIO_MMIO_QUEUE_SEL = 0x030;
export const VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034;
export const VIRTIO_MMIO_QUEUE_NUM = 0x038;
export const VIRTIO_MMIO_QUEUE_READY = 0x044;
/** virtio 1.2 §4.2.4 Legacy interface only: GuestPageSize, QueueAlign, QueuePFN. */
export const VIRTIO_MMIO_GUEST_PAGE_SIZE = 0x028;
export const VIRTIO_MMIO_QUEUE_ALIGN = 0x03c;
export const VIRTIO_MMIO_QUEUE_PFN = 0x040;
export const VIRTIO_MMIO_QUEUE_NOTIFY = 0x050;
export const VIRTIO_MMIO_INTERRUPT_STATUS = 0x060;
export const VIRTIO_MMIO_INTERRUPT_ACK = 0x064;
export const VIRTIO_MMIO_STATUS = 0x070;
export const VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080;
export const VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084;
export const VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090;
export const VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094;
export const VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0;
export const VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4;
export const VIRTIO_MMIO_SHM_SEL = 0x0ac;
export const VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0;
export const VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4;
export const VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8;
export const VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc;
export const VIRTIO_MMIO_QUEUE_RESET = 0x0c0;
export const VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc;
export const VIRTIO_MMIO_CONFIG = 0x100;

/** Size of one virtio-mmio window (QEMU virt: 0x1000 per slot). */
export const VIRTIO_MMIO_WINDOW_SIZE = 0x1000;

/** "virt" in little-endian ASCII. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;
/** Version 2: the modern (non-legacy) interface. */
export const VIRTIO_MMIO_VERSION_MODERN = 2;
/** Version 1: the legacy interface (§4.2.4), QEMU's default up to 7.2 (`force-legacy=true`). */
export const VIRTIO_MMIO_VERSION_LEGACY = 1;
/**
 * Used-ring alignment a legacy queue has until the driver writes QueueAlign: 4096, the
 * VIRTIO_PCI_VRING_ALIGN QEMU applies and the page size Linux writes (§2.7.2 legacy layout).
 */
export const VIRTIO_MMIO_LEGACY_DEFAULT_ALIGN = 4096;
/** "QEMU" in little-endian ASCII, as QEMU reports. */
export const VIRTIO_MMIO_VENDOR_QEMU = 0x554d4551;

/** virtio 1.2 §4.2.2 InterruptStatus bits. */
export const VIRTIO_MMIO_INT_VRING = 1;
export const VIRTIO_MMIO_INT_CONFIG = 2;
