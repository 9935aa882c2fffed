import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '@vm/core';
import { FRAME, MIGRATION_PROTOCOL_VERSION, PAGE_SIZE, jsonPayload, writeFrame } from './frames.js';
import { migrateIn } from './migrate-in.js';

/**
 * issue 16 (reliability), migration: `vm migrate` cases stalled. A write to a peer that has gone
 * must reject (it waited for a 'drain' that never came), and the receiver must refuse bad frames
 * and deflate bombs with a FormatError (`vm` prints it as one line, status 2) instead of
 * allocating whatever a frame inflates to.
 */
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

/** A connected pair: `peer` is the client side, `socket` the accepted one. */
async function pair(): Promise<{ peer: Socket; socket: Socket }> {
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const peer = connect(port, '127.0.0.1');
  peer.on('error', () => {});
  await new Promise<void>((r) => peer.once('connect', () => r()));
  return { peer, socket: await accepted };
}

function frame(type: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

const HELLO = frame(FRAME.hello, jsonPayload({ version: MIGRATION_PROTOCOL_VERSION, memory: 1 << 20, pageSize: PAGE_SIZE }));

/** migrateIn fed `bytes`, the sender then closing its side; within 5 s, or the test fails as a stall. */
async function receive(bytes: Uint8Array): Promise<unknown> {
  const { peer, socket } = await pair();
  peer.on('data', () => {});
  const received = migrateIn(socket, { console: () => {} });
  peer.end(bytes);
  const stall = new Promise((_, reject) => setTimeout(() => reject(new Error('stalled')), 5000));
  try {
    await Promise.race([received, stall]);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    socket.destroy();
    peer.destroy();
  }
}

describe('migration streams that end badly', () => {
  it('writeFrame rejects on a destroyed socket and on one the peer has reset, instead of waiting for drain', async () => {
    const a = await pair();
    a.socket.destroy();
    await expect(writeFrame(a.socket, FRAME.failed, jsonPayload({ message: 'x' }))).rejects.toThrow(/closed/);
    a.peer.destroy();

    const b = await pair();
    // The reset arrives before any write (as FrameReader does in migrateIn, someone listens).
    b.socket.on('error', () => {});
    b.peer.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 50));
    // Large enough not to fit the socket's buffer: without the fix this waited for ever.
    const big = new Uint8Array(16 << 20);
    const write = (async () => {
      for (let i = 0; i < 8; i++) await writeFrame(b.socket, FRAME.pages, big);
    })();
    await expect(write).rejects.toThrow();
    b.socket.destroy();
  });

  it('a sender that closes after HELLO: a clear error (its FAILED reply does not stall)', async () => {
    const e = await receive(HELLO);
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/connection closed/);
  });

  it('a PAGES frame that inflates beyond its cap (a deflate bomb) is refused', async () => {
    // 64 MiB of zeros deflate to ~64 KiB; the receiver's RAM is 1 MiB.
    const bomb = deflateRawSync(new Uint8Array(64 << 20));
    const e = await receive(Buffer.concat([HELLO, frame(FRAME.pages, bomb)]));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/pages.*inflates beyond/);
  });

  it('a PAGES frame that is not a deflate stream, a frame of an unknown type, a bad HELLO: clear errors', async () => {
    const cases: [Uint8Array, RegExp][] = [
      [Buffer.concat([HELLO, frame(FRAME.pages, Buffer.from('not deflate at all'))]), /not a deflate stream/],
      [Buffer.concat([HELLO, frame(99, new Uint8Array(3))]), /unexpected frame type 99/],
      [frame(FRAME.hello, Buffer.from('{"version":1,"memory":-4096,"pageSize":4096}')), /bad memory size/],
      [frame(FRAME.hello, Buffer.from('[')), /not a JSON object/],
      [Buffer.concat([HELLO, frame(FRAME.state, new Uint8Array(40))]), /./],
      [Buffer.from([FRAME.hello, 0xff, 0xff, 0xff, 0xff]), /too large/],
    ];
    for (const [bytes, message] of cases) {
      const e = await receive(bytes);
      expect(e, String(message)).toBeInstanceOf(FormatError);
      expect((e as Error).message).toMatch(message);
    }
  });
});
