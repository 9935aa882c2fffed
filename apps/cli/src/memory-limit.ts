import { totalmem } from 'node:os';
import { ConfigError, parseSize } from '@vm/core';
import { MAX_RAM_BYTES } from '@vm/mmu';

/**
 * The most RAM one board or hypervisor may be given here: the host's physical memory
 * (os.totalmem(), or VM_HOST_MEMORY, e.g. `64G`, which stands in for it), and at most the board's
 * address map (MAX_RAM_BYTES). Guest RAM is committed lazily (@vm/mmu Ram), so this bounds what a
 * guest could touch, not what a trivial one costs.
 */
export function hostMemoryLimit(): { bytes: number; why: string } {
  const env = process.env['VM_HOST_MEMORY'];
  const claimed = env === undefined || env === '' ? undefined : parseSize(env, 'MiB');
  if (env !== undefined && env !== '' && claimed === undefined) throw new ConfigError(`VM_HOST_MEMORY=${env}: not a memory size (e.g. 16G)`);
  const host = claimed ?? totalmem();
  if (host >= MAX_RAM_BYTES) return { bytes: MAX_RAM_BYTES, why: `this build's address map holds ${mib(MAX_RAM_BYTES)} of RAM` };
  return { bytes: host, why: `the host has ${mib(host)} of memory${claimed === undefined ? '' : ' (VM_HOST_MEMORY)'}` };
}

/**
 * Refuse `memory` bytes of guest RAM (plus `overhead` the hypervisor or host OS keeps for itself)
 * beyond hostMemoryLimit(), naming what was asked (`what`, e.g. `-m 100G`) and the limit.
 */
export function checkHostMemory(what: string, memory: number, overhead = 0, overheadWhat = ''): void {
  const limit = hostMemoryLimit();
  if (memory + overhead <= limit.bytes) return;
  const room = Math.max(0, limit.bytes - overhead);
  throw new ConfigError(`${what}: more than this host can give: at most ${mib(room)}${overhead > 0 ? ` with ${mib(overhead)} ${overheadWhat}` : ''} (${limit.why})`);
}

function mib(bytes: number): string {
  return `${Math.floor(bytes / 2 ** 20)}M`;
}
