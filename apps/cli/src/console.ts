export interface HostConsoleOptions {
  /** QEMU's mux (-nographic, -serial mon:stdio): Ctrl-A escapes on pipes too. A TTY always has them. */
  readonly escapes?: boolean;
  /** Where the guest's serial output goes (-serial file:F, null); default the terminal. */
  readonly serialOut?: ((bytes: Buffer) => void) | null;
  /** False when the guest's UART is not this terminal (-serial file:F / null): typed bytes are not its input. */
  readonly guestInput?: boolean;
  /** -monitor stdio: every line typed goes to the monitor. */
  readonly monitorOnly?: boolean;
  /** Why Ctrl-A C has no monitor to switch to here (said when it is typed, rather than nothing). */
  readonly noMonitor?: string;
}

/** The monitor as the console's mux reaches it: one command line in, the text to print out. */
export type MonitorLine = (line: string) => string;

const MUX_HELP = ['C-a h    print this help', 'C-a x    exit emulator', 'C-a c    switch between console and monitor', 'C-a C-a  sends C-a'];
const PROMPT = '(qemu) ';

/**
 * The guest console on the host terminal, as QEMU's `-nographic`: raw mode on a TTY, with Ctrl-A
 * as the escape key (Ctrl-A X quits, Ctrl-A C switches between the guest and the monitor, Ctrl-A H
 * lists the keys, Ctrl-A Ctrl-A sends a Ctrl-A); plain pipes otherwise (escapes there too with
 * `escapes`, as QEMU's mux). In the monitor, typed lines are edited and echoed here.
 */
export class HostConsole {
  private readonly queue: number[] = [];
  private escape = false;
  private ended = false;
  private waiters: (() => void)[] = [];
  private readonly tty: boolean;
  private readonly escapes: boolean;
  private monitor: MonitorLine | undefined;
  private quitHook: (() => void) | undefined;
  /** Typed bytes go to the monitor (Ctrl-A C, or -monitor stdio). */
  private monitorFocus = false;
  private bannerShown = false;
  private line = '';
  private lastCr = false;
  /** Set when the user typed Ctrl-A X or the monitor's quit. */
  quitRequested = false;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly options: HostConsoleOptions = {},
  ) {
    this.tty = input.isTTY === true;
    this.escapes = (this.tty || options.escapes === true) && options.monitorOnly !== true;
  }

  /** Ctrl-A escapes are read (a TTY, or QEMU's mux on pipes): Ctrl-A C can reach a monitor. */
  get muxed(): boolean {
    return this.escapes;
  }

  /** Called on Ctrl-A X and the monitor's quit: wakes a run loop that a debugger or the monitor holds. */
  onQuit(f: () => void): void {
    this.quitHook = f;
  }

  /** Give the console a monitor (reached with Ctrl-A C, or every line with -monitor stdio); `onQuit` wakes a held run loop. */
  attachMonitor(monitor: MonitorLine, onQuit: () => void): void {
    this.monitor = monitor;
    this.quitHook = onQuit;
    if (this.options.monitorOnly === true) {
      this.monitorFocus = true;
      this.showBanner();
    }
  }

  private showBanner(): void {
    this.flush();
    if (!this.bannerShown) this.term("vm monitor - type 'help' for more information\n");
    this.bannerShown = true;
    this.term(PROMPT);
  }

  /** Text for the terminal (Node's raw mode keeps ONLCR: a newline reaches the terminal as CR LF). */
  private term(text: string): void {
    this.out.write(text);
  }

  /** End the run (Ctrl-A X, the monitor's quit). */
  quit(): void {
    this.quitRequested = true;
    this.quitHook?.();
    this.wake();
  }

  /** A byte for whoever has the focus: the monitor's line editor, or the guest. */
  private deliver(b: number): void {
    if (!this.monitorFocus || this.monitor === undefined) {
      if (this.options.guestInput !== false) this.queue.push(b);
      return;
    }
    if (b === 0x0a && this.lastCr) {
      this.lastCr = false;
      return;
    }
    this.lastCr = b === 0x0d;
    if (b === 0x0d || b === 0x0a) {
      this.term('\n');
      const line = this.line;
      this.line = '';
      this.flush();
      this.term(this.monitor(line));
      if (!this.quitRequested) this.term(PROMPT);
    } else if (b === 0x7f || b === 0x08) {
      if (this.line.length > 0) {
        this.line = this.line.slice(0, -1);
        this.term('\b \b');
      }
    } else if (b >= 0x20 && b < 0x7f) {
      this.line += String.fromCharCode(b);
      this.term(String.fromCharCode(b));
    }
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
      if (this.escapes && this.escape) {
        this.escape = false;
        if (b === 0x78 || b === 0x58) this.quit();
        else if ((b === 0x63 || b === 0x43) && this.monitor !== undefined) {
          this.monitorFocus = !this.monitorFocus;
          if (this.monitorFocus) {
            this.term('\n');
            this.showBanner();
          } else this.term('\n');
        } else if ((b === 0x63 || b === 0x43) && this.options.noMonitor !== undefined) {
          this.flush();
          this.term(`\nvm: no monitor: ${this.options.noMonitor}\n`);
        } else if (b === 0x68 || b === 0x48) {
          this.flush();
          this.term('\n' + MUX_HELP.filter((l) => this.monitor !== undefined || !l.includes('monitor')).join('\n') + '\n');
        } else if (b === 0x01) this.deliver(0x01);
        continue;
      }
      if (this.escapes && b === 0x01) {
        this.escape = true;
        continue;
      }
      this.deliver(b);
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
    const bytes = Buffer.from(this.buf);
    this.buf = [];
    const sink = this.options.serialOut;
    if (sink === undefined) this.out.write(bytes);
    else sink?.(bytes);
  }
}
