import { CAUSE_ECALL_S, CAUSE_ECALL_VS } from '@vm/isa';
import type { ExitVerdict, GuestExit } from './exit-reason.js';
import type { VcpuExit, VcpuHost, VmOps } from './vcpu.js';
import type { Vm, VmReport } from './vm.js';

/** SBI_ERR_DENIED (SBI spec 3.2): what a guest gets for an SBI call an exit hook denies. */
const SBI_DENIED = BigInt.asUintN(64, -4n);

/** Exits in a row without one guest instruction retired before a VM is stopped (default). */
export const DEFAULT_TRAP_STORM_LIMIT = 10_000;

/** What both back ends share: exit accounting and policy, the hypervisor's SBI, device exits. */
export abstract class VcpuBase {
  constructor(
    readonly vm: Vm,
    protected readonly host: VcpuHost,
    protected readonly ops: VmOps,
    protected readonly stormLimit: number,
  ) {}

  /** Count the exit, remember it for the stop report, and ask the policy. */
  protected record(exit: GuestExit): ExitVerdict {
    this.vm.stats.exit(exit);
    return this.ops.exit?.(exit) ?? 'continue';
  }

  /** Stop the VM with a report; the exit that says so. */
  protected stopped(reason: VmReport['reason'], message: string, pc: bigint): VcpuExit {
    this.vm.stop(reason, message, pc);
    return this.final();
  }

  /** The exit of a VM that is stopped. */
  protected final(): VcpuExit {
    const vm = this.vm;
    const r = vm.report!;
    if (r.reason === 'poweroff' || r.reason === 'reset') return { kind: 'shutdown', reset: r.reason === 'reset', code: vm.exitStatus };
    return { kind: 'internal-error', report: r };
  }

  /**
   * A device asked for a poweroff or reset (sifive_test, SBI SRST), or the guest wrote HTIF
   * `tohost` (riscv-tests): the VM stops with that status. undefined when nothing was asked.
   */
  protected deviceExit(): VcpuExit | undefined {
    const vm = this.vm;
    const board = vm.board;
    board.clint.update();
    let req = board.requested;
    if (req === undefined) {
      // HTIF: a plain store to RAM, seen when the guest leaves the CPU.
      const h = board.htif?.poll();
      if (h?.kind === 'exit') req = { reason: 'poweroff', code: h.code };
    }
    if (req === undefined) return undefined;
    board.requested = undefined;
    const code = req.reason === 'poweroff' ? req.code : undefined;
    vm.exitStatus = code;
    const reset = req.reason === 'reset';
    return this.stopped(reset ? 'reset' : 'poweroff', reset ? 'the guest asked for a reset' : `powered off with status ${code ?? '?'}`, vm.vhart.hart.pc);
  }

  /**
   * An ECALL from the guest's S-mode with the hypervisor as its SBI firmware: the SbiServer reads
   * a0–a7 from the real hart (the vCPU is resident), acts, writes a0/a1; the guest resumes after
   * the ECALL (SBI spec 3.1). Counted as `exit.sbi` and `sbi.<extension>`.
   */
  protected sbiCall(tval: bigint, epc: bigint, hext: boolean): VcpuExit | undefined {
    const vm = this.vm;
    const real = this.host.hart;
    const verdict = this.record({ reason: 'sbi', cause: BigInt(hext ? CAUSE_ECALL_VS : CAUSE_ECALL_S), tval, epc, vpriv: 1, at: vm.stats.guestInstructions });
    if (verdict === 'stop') return this.stopped('hook', 'stopped by an exit hook at an sbi exit', epc);
    let extension = 'denied';
    if (verdict === 'deny') real.x[10] = SBI_DENIED;
    else {
      extension = vm.sbi!.handle({ read: (i) => real.x[i]!, write: (i, v) => void (real.x[i] = v) }).extension;
      vm.stats.count(`sbi.${extension}`);
    }
    vm.vhart.hart.pc = epc + 4n;
    if (vm.hext !== undefined) vm.hext.pc = epc + 4n;
    vm.stats.emulated++;
    return vm.state === 'waiting' ? { kind: 'wfi' } : { kind: 'sbi', extension };
  }
}
