import type { Hart, HartState } from '@vm/isa';

/**
 * The world switch of the virtualisation driver: entering a guest saves the whole host context
 * of the hart (the calling process's registers, CSRs, satp, privilege, pc) and leaving restores
 * it, so the process resumes exactly where its KVM_RUN left it. Counted both ways.
 */
export class WorldSwitch {
  entries = 0;
  exits = 0;
  private saved: HartState | undefined;

  constructor(private readonly hart: Hart) {}

  enter(): void {
    this.saved = this.hart.getState();
    this.entries++;
  }

  leave(): void {
    const s = this.saved;
    if (s === undefined) return;
    // Instructions the guest retired stay retired: they are the process's CPU time. setState
    // rebuilds the TLB, page caches and the rest of what derives from the state.
    this.hart.setState({ ...s, retired: this.hart.retired });
    this.saved = undefined;
    this.exits++;
  }
}
