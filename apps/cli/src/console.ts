/**
 * The guest console on the host terminal, as QEMU's `-nographic`: raw mode on a TTY, with Ctrl-A
 * as the escape key (Ctrl-A X quits, Ctrl-A Ctrl-A sends a Ctrl-A); plain pipes otherwise.
 */
export class HostConsole {
  private readonly queue: number[] = [];
  private escape = false;
  private ended = false;
  private waiters: (() => void)[] = [];
  private readonly tty: boolean;
  /** Set when the user typed Ctrl-A X. */
  quitRequested = false;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = input.isTTY === true;
  }

  start(): void {
    if (this.tty) this.input.setRawMode(true);
    this.input.on('data', (chunk: Buffer) => this.accept(chunk));
    this.input.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.input.resume();
  }

  stop(): void {
    if (this.tty) this.input.setRawMode(false);
    this.input.pause();
    this.input.removeAllListeners('data');
  }

  private accept(chunk: Buffer): void {
    for (const b of chunk) {
      if (this.tty && this.escape) {
        this.escape = false;
        if (b === 0x78 || b === 0x58) {
          this.quitRequested = true;
        } else if (b === 0x01) this.queue.push(0x01);
        continue;
      }
      if (this.tty && b === 0x01) {
        this.escape = true;
        continue;
      }
      this.queue.push(b);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Bytes typed so far and not yet taken by the guest. */
  get pending(): number[] {
    return this.queue;
  }

  get inputEnded(): boolean {
    return this.ended;
  }

  /** Resolve when input arrives, input ends, or after `ms`. */
  waitForInput(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private buf: number[] = [];
  write(byte: number): void {
    this.buf.push(byte);
    if (this.buf.length >= 4096) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    this.out.write(Buffer.from(this.buf));
    this.buf = [];
  }
}
