/**
 * A VM's console bytes as whole lines prefixed with `[name] `, so that the output of several VMs
 * can share one stream and still be read line by line.
 */
export class LinePrefixer {
  private line: number[] = [];
  private readonly prefix: Buffer;

  constructor(
    name: string,
    private readonly emit: (bytes: Buffer) => void,
  ) {
    this.prefix = Buffer.from(`[${name}] `);
  }

  write(byte: number): void {
    if (byte === 0x0d) return; // CR of a CRLF line end: the prefix starts each line anew
    this.line.push(byte);
    if (byte === 0x0a) this.emitLine();
  }

  /** Emit a last unterminated line (with a newline), e.g. at exit. */
  end(): void {
    if (this.line.length === 0) return;
    this.line.push(0x0a);
    this.emitLine();
  }

  private emitLine(): void {
    this.emit(Buffer.concat([this.prefix, Buffer.from(this.line)]));
    this.line = [];
  }
}
