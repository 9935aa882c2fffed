import { describe, expect, it } from 'vitest';
import { VIRTIO_STATUS_DEVICE_NEEDS_RESET } from './constants.js';
import { NetLink, NetLoopback } from './net-backend.js';
import { VIRTIO_NET_HDR_SIZE, VirtioNet } from './net.js';
import { TestMachine, type DriverQueue } from './test-support/driver.js';

function frame(len: number, tag: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => (i === 0 ? tag : (i * 3 + tag) & 0xff));
}

function withHeader(f: Uint8Array): Uint8Array {
  const b = new Uint8Array(VIRTIO_NET_HDR_SIZE + f.length);
  b.set(f, VIRTIO_NET_HDR_SIZE);
  return b;
}

/** Give the device `n` receive buffers of `size` bytes; returns their addresses. */
function postRx(rx: DriverQueue, n: number, size = 1526): number[] {
  const addrs: number[] = [];
  for (let i = 0; i < n; i++) addrs.push(rx.submit([{ in: size }]).inAddrs[0]!);
  rx.kick();
  return addrs;
}

function received(m: TestMachine, rx: DriverQueue, addrs: Map<number, number>): { hdr: Uint8Array; frame: Uint8Array }[] {
  return rx.takeUsed().map((u) => {
    const all = m.ram.slice(addrs.get(u.id)!, u.len).slice();
    return { hdr: all.subarray(0, VIRTIO_NET_HDR_SIZE), frame: all.subarray(VIRTIO_NET_HDR_SIZE) };
  });
}

function nic(backend: ConstructorParameters<typeof VirtioNet>[0]['backend'], mac: string) {
  const dev = new VirtioNet({ backend, mac });
  const m = new TestMachine(dev);
  const [rx, tx] = m.init();
  return { dev, m, rx: rx!, tx: tx! };
}

function rxHeads(rx: DriverQueue, n: number): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const s = rx.submit([{ in: 1526 }]);
    map.set(s.head, s.inAddrs[0]!);
  }
  rx.kick();
  return map;
}

describe('VirtioNet (virtio 1.2 §5.1)', () => {
  it('exposes MAC and link status in config space', () => {
    const { m } = nic(new NetLoopback(), '02:00:00:aa:bb:cc');
    const mac = [0, 1, 2, 3, 4, 5].map((i) => Number(m.transport.read(0x100 + i, 1)));
    expect(mac).toEqual([2, 0, 0, 0xaa, 0xbb, 0xcc]);
    expect(m.transport.read(0x106, 2)).toBe(1n);
  });

  it('a NetLink pair delivers frames both ways with the virtio_net_hdr', () => {
    const [ea, eb] = NetLink.pair();
    const a = nic(ea, '02:00:00:00:00:0a');
    const b = nic(eb, '02:00:00:00:00:0b');
    const aRx = rxHeads(a.rx, 4);
    const bRx = rxHeads(b.rx, 4);

    a.tx.submit([{ out: withHeader(frame(60, 1)) }]);
    a.tx.submit([{ out: new Uint8Array(VIRTIO_NET_HDR_SIZE) }, { out: frame(1514, 2) }]);
    a.tx.kick();
    expect(a.tx.takeUsed()).toHaveLength(2);
    const atB = received(b.m, b.rx, bRx);
    expect(atB.map((r) => r.frame)).toEqual([frame(60, 1), frame(1514, 2)]);
    const hdr = new DataView(atB[0]!.hdr.buffer, atB[0]!.hdr.byteOffset, 12);
    expect(hdr.getUint8(0)).toBe(0); // flags
    expect(hdr.getUint8(1)).toBe(0); // gso_type NONE
    expect(hdr.getUint16(10, true)).toBe(1); // num_buffers
    expect(b.m.irq.level).toBe(true);

    b.tx.submit([{ out: withHeader(frame(100, 3)) }]);
    b.tx.kick();
    expect(received(a.m, a.rx, aRx).map((r) => r.frame)).toEqual([frame(100, 3)]);
    expect(a.dev.stats).toEqual({ txFrames: 2, rxFrames: 1, rxDropped: 0 });
  });

  it('loopback returns sent frames', () => {
    const l = nic(new NetLoopback(), '02:00:00:00:00:01');
    const heads = rxHeads(l.rx, 2);
    l.tx.submit([{ out: withHeader(frame(64, 9)) }]);
    l.tx.kick();
    expect(received(l.m, l.rx, heads).map((r) => r.frame)).toEqual([frame(64, 9)]);
  });

  it('holds frames while the guest has no buffers, bounded, counting drops (newest)', () => {
    const [ea, eb] = NetLink.pair();
    const dev = new VirtioNet({ backend: eb, rxQueueLimit: 3 });
    const m = new TestMachine(dev);
    const [rx] = m.init();
    for (let i = 0; i < 5; i++) ea.send(frame(60, i));
    expect(dev.pendingFrames).toBe(3);
    expect(dev.stats.rxDropped).toBe(2);
    const heads = rxHeads(rx!, 4);
    expect(received(m, rx!, heads).map((r) => r.frame[0])).toEqual([0, 1, 2]);
  });

  it('drop policy "oldest" keeps the latest frames', () => {
    const [ea, eb] = NetLink.pair();
    const dev = new VirtioNet({ backend: eb, rxQueueLimit: 2, dropPolicy: 'oldest' });
    const m = new TestMachine(dev);
    const [rx] = m.init();
    for (let i = 0; i < 4; i++) ea.send(frame(60, i));
    const heads = rxHeads(rx!, 4);
    expect(received(m, rx!, heads).map((r) => r.frame[0])).toEqual([2, 3]);
    expect(dev.stats.rxDropped).toBe(2);
  });

  it('drops a frame larger than the receive buffer but keeps the buffer', () => {
    const [ea, eb] = NetLink.pair();
    const dev = new VirtioNet({ backend: eb });
    const m = new TestMachine(dev);
    const [rx] = m.init();
    postRx(rx!, 1, 200);
    ea.send(frame(1000, 1));
    expect(dev.stats.rxDropped).toBe(1);
    expect(rx!.takeUsed()).toEqual([]);
    ea.send(frame(100, 2));
    expect(rx!.takeUsed().map((u) => u.len)).toEqual([112]);
  });

  it('link down drops traffic and raises a config change', () => {
    const [ea, eb] = NetLink.pair();
    const dev = new VirtioNet({ backend: eb });
    const m = new TestMachine(dev);
    m.init();
    m.ack();
    dev.setLinkUp(false);
    expect(m.ack()).toBe(2);
    expect(m.transport.read(0x106, 2)).toBe(0n);
    ea.send(frame(60, 1));
    expect(dev.stats.rxDropped).toBe(1);
  });

  it('a transmit buffer shorter than the header → NEEDS_RESET, not an exception', () => {
    const l = nic(new NetLoopback(), '02:00:00:00:00:01');
    l.tx.submit([{ out: new Uint8Array(4) }]);
    expect(() => l.tx.kick()).not.toThrow();
    expect(l.m.status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET).toBe(VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  });
});
