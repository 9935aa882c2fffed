import type { CharDevice, OpenFile } from '../open-file.js';
import type { Process } from '../process.js';
import type { HostMachine } from '../host-machine.js';
import { fail } from '../linux-abi.js';

/** /dev/console: output through the board's UART, input from a queue the host fills. */
export class ConsoleDevice implements CharDevice {
  readonly name = 'console';
  private readonly input: number[] = [];
  bytesWritten = 0;

  constructor(private readonly machine: HostMachine) {}

  /** Queue input (a string is typed as UTF-8). */
  type(text: string | Uint8Array | readonly number[]): void {
    for (const b of typeof text === 'string' ? Buffer.from(text, 'utf8') : text) this.input.push(b);
  }

  read(_proc: Process, length: number): Uint8Array {
    return Uint8Array.from(this.input.splice(0, length));
  }

  write(_proc: Process, data: Uint8Array): number {
    for (const b of data) this.machine.putc(b);
    this.bytesWritten += data.length;
    return data.length;
  }

  ioctl(_proc: Process, _file: OpenFile, _request: number, _arg: bigint): bigint {
    return fail('ENOTTY');
  }
}

/** /dev/null. */
export class NullDevice implements CharDevice {
  readonly name = 'null';
  read(): Uint8Array {
    return new Uint8Array(0);
  }
  write(_proc: Process, data: Uint8Array): number {
    return data.length;
  }
  ioctl(): bigint {
    return fail('ENOTTY');
  }
}
