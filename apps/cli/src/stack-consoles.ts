import type { HostConsole } from './console.js';
import { LinePrefixer } from './line-prefixer.js';

/**
 * The consoles of a stack's VMs (`vm up`, native or hosted): the attached VM's on the terminal,
 * every other VM's as `[name] ` lines, on stdout when no VM is attached and on stderr when one is
 * (so the attached guest's output stays clean). Prefixed lines are buffered and written after
 * each slice (flush), so slices of several VMs never interleave inside a line.
 */
export class StackConsoles {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private readonly prefixers: LinePrefixer[] = [];

  constructor(
    private readonly con: HostConsole,
    private readonly attach: string | undefined,
  ) {}

  /** The console callback for the VM called `name`. */
  consoleOf = (name: string): ((b: number) => void) => {
    if (name === this.attach) return (b) => this.con.write(b);
    const into = this.attach === undefined ? this.out : this.err;
    const p = new LinePrefixer(name, (b) => void into.push(b));
    this.prefixers.push(p);
    return (b) => p.write(b);
  };

  /** Write what the VMs printed: the terminal's bytes, then the prefixed lines. */
  flush(): void {
    this.con.flush();
    if (this.out.length > 0) process.stdout.write(Buffer.concat(this.out.splice(0)));
    if (this.err.length > 0) process.stderr.write(Buffer.concat(this.err.splice(0)));
  }

  /** At the end of the run: every VM's last unterminated line, then flush. */
  end(): void {
    for (const p of this.prefixers) p.end();
    this.flush();
  }
}
