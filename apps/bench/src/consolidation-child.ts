/**
 * One VM of the consolidation experiment's process-per-VM mode (consolidation.ts runInProcesses):
 * `node consolidation-child.js SPEC_FILE` reads its GuestSpec (v8-serialized), prints "ready",
 * waits for a line on stdin (the parent's "go", sent to every child at once), runs the VM alone
 * in this process, and prints one JSON line: a ChildRun.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { deserialize } from 'node:v8';
import type { GuestSpec } from '@vm/core';
import { NativeHypervisor } from '@vm/hypervisor-native';
import { runTogether, type ChildRun } from './consolidation.js';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: consolidation-child SPEC_FILE\n');
  process.exit(2);
}
const spec = deserialize(readFileSync(file)) as GuestSpec;
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
const startedAt = performance.timeOrigin + performance.now();
const [result] = runTogether(NativeHypervisor, [spec]);
process.stdout.write(JSON.stringify({ startedAt, result } satisfies ChildRun) + '\n');
