import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * A synchronous request/reply link between two threads: the `GuestSession` contract (`run`,
 * `input`, `snapshot`, ...) is synchronous, so the main thread posts a request to a VM worker and
 * blocks in `Atomics.wait` until the worker has posted its reply and raised the flag
 * (ECMA-262 25.4.12 Atomics.wait / 25.4.15 Atomics.notify); the reply is then taken off the port
 * with `receiveMessageOnPort`, without the event loop. Several links can be posted to before any
 * is awaited, which is how N workers run their slices at the same time.
 *
 * The same link runs the other way for harts on threads (threads/hart-worker.ts): a hart's worker
 * is the requester (an MMIO access to a device, which lives on the main thread) and the main thread
 * answers in `SyncServer.poll`, woken by the `doorbell` the requester rings after posting.
 */
export class SyncLink {
  /** 0: a request is outstanding; 1: the worker has replied. */
  private readonly flag: Int32Array;
  private pending = false;

  /** `doorbell`: an Int32Array word incremented and notified after each post (the server waits on it). */
  constructor(
    private readonly port: MessagePort,
    flag: SharedArrayBuffer,
    private readonly doorbell?: { readonly words: Int32Array; readonly index: number },
  ) {
    this.flag = new Int32Array(flag);
  }

  get busy(): boolean {
    return this.pending;
  }

  /** A reply comes unasked (the worker's first, once it has built its VM): wait() takes it. */
  expect(): void {
    this.pending = true;
  }

  post(request: unknown): void {
    if (this.pending) throw new Error('SyncLink: a request is outstanding');
    Atomics.store(this.flag, 0, 0);
    this.pending = true;
    this.port.postMessage(request);
    const d = this.doorbell;
    if (d !== undefined) {
      Atomics.add(d.words, d.index, 1);
      Atomics.notify(d.words, d.index);
    }
  }

  /** Block until the reply to the posted request arrives. */
  wait(): unknown {
    if (!this.pending) throw new Error('SyncLink: no request outstanding');
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m !== undefined) {
        this.pending = false;
        return m.message;
      }
      // The worker posts before it raises the flag, so a raised flag means the reply is queued;
      // the timeout only bounds a lost wake-up.
      Atomics.wait(this.flag, 0, 0, 200);
    }
  }

  /**
   * Wait without blocking the event loop: for the worker's first reply. A worker loads its modules
   * through the parent's module hooks (tsx under the CLI), which need the main thread's event loop,
   * so the main thread must not sit in Atomics.wait while a worker starts.
   */
  async waitAsync(died: () => string | undefined): Promise<unknown> {
    if (!this.pending) throw new Error('SyncLink: no request outstanding');
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m !== undefined) {
        this.pending = false;
        return m.message;
      }
      const why = died();
      if (why !== undefined) {
        this.pending = false;
        return { error: { name: 'Error', message: why, vm: false } };
      }
      // Atomics.waitAsync (ES2024, Node ≥ 16) is not in this project's ES lib.
      const w = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } }).waitAsync(this.flag, 0, 0, 200);
      if (w.async) await w.value;
      else await new Promise((r) => setImmediate(r));
    }
  }

  call(request: unknown): unknown {
    this.post(request);
    return this.wait();
  }
}

/** Post `reply` on `port`, then raise the requester's flag and wake it (it may sit in Atomics.wait). */
function answer(port: MessagePort, flag: Int32Array, reply: unknown): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function errorReply(e: unknown): unknown {
  return { error: { name: 'Error', message: e instanceof Error ? e.message : String(e), vm: false } };
}

/** The worker's side: answer each request with `handle`'s reply, then wake the main thread. */
export function serveSyncLink(port: MessagePort, flag: SharedArrayBuffer, handle: (request: unknown) => unknown): void {
  const f = new Int32Array(flag);
  port.on('message', (request: unknown) => {
    let reply: unknown;
    try {
      reply = handle(request);
    } catch (e) {
      reply = errorReply(e);
    }
    answer(port, f, reply);
  });
}

/**
 * The answering side of a SyncLink served without the event loop: `poll()` takes every request
 * queued on the port (`receiveMessageOnPort`) and answers it at once, or keeps it for later when
 * `handle` returns DEFER (`reply` answers it then: a parked hart waits for its resume this way).
 * For a thread that must answer while it runs synchronous code of its own (the main thread of a
 * board whose harts run on workers, between its device services).
 */
export class SyncServer {
  private readonly flag: Int32Array;

  constructor(
    private readonly port: MessagePort,
    flag: SharedArrayBuffer,
  ) {
    this.flag = new Int32Array(flag);
  }

  /** Answer the queued requests; returns how many were taken. */
  poll(handle: (request: unknown) => unknown): number {
    let n = 0;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) return n;
      n++;
      let reply: unknown;
      try {
        reply = handle(m.message);
      } catch (e) {
        reply = errorReply(e);
      }
      if (reply !== DEFER) answer(this.port, this.flag, reply);
    }
  }

  /** Answer a request that `poll` deferred. */
  reply(reply: unknown): void {
    answer(this.port, this.flag, reply);
  }
}

/** What a SyncServer handler returns to answer later, with SyncServer.reply. */
export const DEFER: unique symbol = Symbol('SyncServer.DEFER');
