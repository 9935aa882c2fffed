import type { Socket } from 'node:net';
import { FormatError } from '@vm/core';

/**
 * The migration stream: frames of type u8, length u32 (little-endian), payload.
 *   HELLO    sender → receiver  JSON {version, memory, pageSize}
 *   PAGES    sender → receiver  raw-deflated [u32 page index, 4 KiB page] × n
 *   ROUND    sender → receiver  JSON {round, pages}: the end of a pre-copy round
 *   STATE    sender → receiver  a .vmsnap image of the stopped board without its RAM
 *   RESUMED  receiver → sender  JSON {retired}: the board runs on the receiver
 *   FAILED   either way         JSON {message}: the other side gives up
 */
export const FRAME = { hello: 1, pages: 2, round: 3, state: 4, resumed: 5, failed: 6 } as const;
export type FrameType = (typeof FRAME)[keyof typeof FRAME];

export const MIGRATION_PROTOCOL_VERSION = 1;
export const PAGE_SIZE = 4096;
const MAX_FRAME = 1 << 30;

export interface Frame {
  readonly type: number;
  readonly payload: Uint8Array;
}

/**
 * Queue a frame; resolves when the socket can take more (backpressure). Rejects when the socket
 * is closed, ended or fails before it can: a peer that went away must not leave the sender
 * waiting for a 'drain' that never comes.
 */
export function writeFrame(socket: Socket, type: FrameType, payload: Uint8Array): Promise<void> {
  if (socket.destroyed || socket.writableEnded) return Promise.reject(new Error('the connection is closed'));
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32LE(payload.length, 1);
  return new Promise((resolve, reject) => {
    const done = (e?: Error): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      socket.off('error', done);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error('the connection closed'));
    socket.on('error', done);
    socket.once('close', onClose);
    socket.write(head);
    // The write's callback reports a failed write (a reset peer) even when no 'error' follows.
    const more = socket.write(payload, (e) => {
      if (e !== null && e !== undefined) done(e);
    });
    if (more) done();
    else socket.once('drain', onDrain);
  });
}

export function jsonPayload(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function parseJson(f: Frame, peer: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(f.payload).toString('utf8'));
    if (typeof v === 'object' && v !== null) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new FormatError(peer, 0, `frame ${f.type}`, 'payload is not a JSON object');
}

/** Reads whole frames from a socket as they arrive. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: (() => void) | undefined;
  private ended = false;
  private error: Error | undefined;

  constructor(
    socket: Socket,
    private readonly peer: string,
  ) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.wake();
    });
  }

  /** The next frame; throws when the peer closes mid-frame or before one arrives. */
  async next(): Promise<Frame> {
    for (;;) {
      if (this.buffered >= 5) {
        const head = this.peek(5);
        const length = head.readUInt32LE(1);
        if (length > MAX_FRAME) throw new FormatError(this.peer, 0, `frame ${head[0]}`, `length ${length} is too large`);
        if (this.buffered >= 5 + length) {
          const all = this.take(5 + length);
          return { type: all[0]!, payload: all.subarray(5) };
        }
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) throw new FormatError(this.peer, 0, 'stream', `connection closed${this.buffered > 0 ? ' in the middle of a frame' : ''}`);
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return out;
  }
}
