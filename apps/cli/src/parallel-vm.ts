import { NativeHypervisor, type WorkerVm } from '@vm/hypervisor-native';
import { parseArgs } from './args.js';
import { one } from './args.js';
import { checkMode, closeDisks, HYPERVISOR_HEADROOM, vmConfigFromArgs } from './native-config.js';
import { RUN_OPTIONS } from './options.js';
import { loadStack } from './stack-file.js';
import { createVms, defaultMemory } from './up.js';

/**
 * The factories a VM worker thread calls (`-accel tcg,thread=multi`, @vm/hypervisor-native's
 * parallel/vm-worker.ts): each builds its VM from the same input and with the same code as
 * single-thread mode — `vm run` flags, or one VM of a stack file — on a hypervisor of its own.
 */

/** `vm run --hypervisor native ARGV...`: the VM `runNative` would build (its disks opened here, written back at close). */
export function createRunVm(a: { readonly argv: readonly string[] }, console: (byte: number) => void): WorkerVm {
  const args = parseArgs(a.argv, RUN_OPTIONS);
  const mode = checkMode(one(args, 'mode'), '--mode');
  const config = vmConfigFromArgs(args, 'guest', console);
  const hv = new NativeHypervisor({ memory: config.memory + HYPERVISOR_HEADROOM, mode });
  try {
    return { hv, vm: hv.createVm(config), close: () => closeDisks(config) };
  } catch (e) {
    closeDisks(config);
    throw e;
  }
}

/** `vms[index]` of the stack file `file`, as `vm up` creates it, alone on its hypervisor. */
export function createUpVm(a: { readonly file: string; readonly index: number }, console: (byte: number) => void): WorkerVm {
  const spec = loadStack(a.file);
  if (spec.hypervisor.type !== 'native') throw new Error(`${a.file}: not a native stack`);
  const v = spec.vms[a.index]!;
  const alone = { ...spec, vms: [v] };
  const hv = new NativeHypervisor({ memory: defaultMemory(alone.vms), quantum: spec.hypervisor.quantum, mode: spec.hypervisor.mode });
  return { hv, vm: createVms(alone, hv, () => console)[0]! };
}

/** The module a worker imports these from: this file, as source (.ts) or built (.js). */
export const PARALLEL_VM_MODULE = import.meta.url;
