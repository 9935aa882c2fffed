import type { VmExit } from '@vm/core';
import type { VirtMachineOptions } from '@vm/machine';
import { VirtMachine } from '@vm/machine';

/**
 * A VM's virtual board: QEMU's `virt` devices on the VM's own bus, over RAM that is a window of host
 * memory (`VirtMachineOptions.ram`). The board is never `run()`: its hart 0 is the vCPU's model of
 * the guest's privileged state, and the hypervisor drives its devices. Device-requested exits
 * (sifive_test poweroff/reset) are latched here for the hypervisor to see.
 */
export class VmBoard extends VirtMachine {
  /** The last exit a device requested (poweroff, reset), until the hypervisor takes it. */
  requested: VmExit | undefined;

  constructor(options: VirtMachineOptions) {
    // Its harts only ever step one instruction at a time (VirtualHart.step: an emulated CSR
    // access, xRET, WFI, SFENCE.VMA or MMIO access): a block translator would look each one up,
    // count its heat and in the end compile blocks that never run, on every exit. The guest's
    // code runs on the real hart, through the real hart's translator.
    super({ ...options, translate: false });
  }

  override requestExit(exit: VmExit): void {
    this.requested = exit;
    super.requestExit(exit);
  }
}
