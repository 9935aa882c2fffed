import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * A synchronous request/reply link between the main thread and one worker: the `GuestSession`
 * contract (`run`, `input`, `snapshot`, ...) is synchronous, so the main thread posts a request and
 * blocks in `Atomics.wait` until the worker has posted its reply and raised the flag
 * (ECMA-262 25.4.12 Atomics.wait / 25.4.15 Atomics.notify); the reply is then taken off the port
 * with `receiveMessageOnPort`, without the event loop. Several links can be posted to before any
 * is awaited, which is how N workers run their slices at the same time.
 */
export class SyncLink {
  /** 0: a request is outstanding; 1: the worker has replied. */
  private readonly flag: Int32Array;
  private pending = false;

  constructor(
    private readonly port: MessagePort,
    flag: SharedArrayBuffer,
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

/** The worker's side: answer each request with `handle`'s reply, then wake the main thread. */
export function serveSyncLink(port: MessagePort, flag: SharedArrayBuffer, handle: (request: unknown) => unknown): void {
  const f = new Int32Array(flag);
  port.on('message', (request: unknown) => {
    let reply: unknown;
    try {
      reply = handle(request);
    } catch (e) {
      reply = { error: { name: 'Error', message: e instanceof Error ? e.message : String(e), vm: false } };
    }
    port.postMessage(reply);
    Atomics.store(f, 0, 1);
    Atomics.notify(f, 0);
  });
}
