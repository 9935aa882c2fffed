import { readFileSync } from 'node:fs';
import { assemble } from '@vm/isa';

/** fixtures/virtio-probe.S assembled for 0x8000_0000 (raw binary, `-bios none -kernel`). */
export function virtioProbe(): Uint8Array {
  const source = readFileSync(new URL('../../fixtures/virtio-probe.S', import.meta.url), 'utf8');
  return assemble(source, { base: 0x8000_0000n }).bytes;
}

/** The line the probe prints for a slot: MagicValue, Version and DeviceID in hex. */
export function probeLine(slot: number, version: number, deviceId: number): string {
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  return `s${slot} ${hex(0x74726976)} ${hex(version)} ${hex(deviceId)} `;
}
