/**
 * Where a virtio-net device's Ethernet frames go and come from (QEMU's netdev, Firecracker's tap).
 * Frames are plain Ethernet frames without the virtio_net_hdr.
 */
export interface NetBackend {
  /** Transmit one frame from the guest. The backend must not keep a reference to `frame`. */
  send(frame: Uint8Array): void;
  /** Register the receiver of incoming frames (replaces any earlier one). */
  onReceive(receiver: (frame: Uint8Array) => void): void;
}

/** Every frame sent comes straight back (QEMU's `-netdev hubport` with only one member, in effect). */
export class NetLoopback implements NetBackend {
  private receiver: ((frame: Uint8Array) => void) | undefined;
  /** Frames sent while nothing was listening. */
  dropped = 0;

  send(frame: Uint8Array): void {
    if (this.receiver) this.receiver(frame.slice());
    else this.dropped++;
  }

  onReceive(receiver: (frame: Uint8Array) => void): void {
    this.receiver = receiver;
  }
}

/**
 * A virtual crossover cable: `NetLink.pair()` gives two connected endpoints, one per NIC, which may
 * sit in the same machine or in two VMs of the same process. What one endpoint sends, the other
 * receives, synchronously and in order.
 */
export class NetLink implements NetBackend {
  private peer: NetLink | undefined;
  private receiver: ((frame: Uint8Array) => void) | undefined;
  /** Frames that arrived while nothing was listening on this end. */
  dropped = 0;

  private constructor() {}

  static pair(): [NetLink, NetLink] {
    const a = new NetLink();
    const b = new NetLink();
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  send(frame: Uint8Array): void {
    this.peer?.deliver(frame.slice());
  }

  onReceive(receiver: (frame: Uint8Array) => void): void {
    this.receiver = receiver;
  }

  private deliver(frame: Uint8Array): void {
    if (this.receiver) this.receiver(frame);
    else this.dropped++;
  }
}
