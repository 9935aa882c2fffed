import { CAUSE_ECALL_S, CAUSE_ECALL_VS, PRIV_M } from '@vm/isa';
import { SbiServer, type PvMmuBackend } from '@vm/paravirt';
import type { VirtualHart } from './virtual-hart.js';
import { VmSbiPlatform, type VcpuSbiHooks } from './vm-sbi-platform.js';
import type { ExitVerdict, GuestExit } from './exit-reason.js';
import type { VcpuExit, VcpuHost, VmOps } from './vcpu.js';
import type { Vm, VmReport } from './vm.js';

/** mcause's interrupt bit (priv spec 3.1.15): compared, not shifted, so no bigint is made per exit. */
const INTERRUPT_BIT = 1n << 63n;

/** SBI_ERR_DENIED (SBI spec 3.2): what a guest gets for an SBI call an exit hook denies. */
const SBI_DENIED = BigInt.asUintN(64, -4n);

/** Exits in a row without one guest instruction retired before a VM is stopped (default). */
export const DEFAULT_TRAP_STORM_LIMIT = 10_000;

/**
 * Trap steps in a row (traps the real hart takes inside the guest, delegated to its S/VS-mode,
 * retiring nothing and leaving no exit) before a VM is stopped: a handler that faults on its own
 * first instruction loops there for ever. A million steps are well under a second of host time.
 */
export const TRAP_STEP_LIMIT = 1_000_000;

/** What both back ends share: the run loop, exit accounting and policy, the hypervisor's SBI, device exits. */
/**
 * What handling one trap of the guest did: whether it retired a guest instruction, whether it
 * delivered a trap into the guest instead (a trap step: VmStats.trapSteps), and an exit for the VMM.
 */
export interface TrapOutcome {
  readonly retired: boolean;
  readonly injected?: boolean;
  readonly exit?: VcpuExit;
}

export abstract class VcpuBase {
  abstract readonly resident: boolean;

  /** Exits in a row without one guest instruction retired before the VM is stopped. */
  protected readonly stormLimit: number;
  /** This vCPU's virtual hart (hart `index` of the VM's board). */
  readonly vhart: VirtualHart;

  constructor(
    readonly vm: Vm,
    protected readonly host: VcpuHost,
    protected readonly ops: VmOps,
    stormLimit: number | undefined,
    /** The vCPU's hart id in its VM (0 boots). */
    readonly index = 0,
  ) {
    this.stormLimit = stormLimit ?? DEFAULT_TRAP_STORM_LIMIT;
    const vhart = vm.vharts[index];
    if (vhart === undefined) throw new Error(`${vm.name}: no hart ${index} for a vCPU`);
    this.vhart = vhart;
  }

  readRegister(i: number): bigint {
    return this.resident ? this.host.hart.x[i]! : this.vhart.hart.x[i]!;
  }

  writeRegister(i: number, value: bigint): void {
    if (i !== 0) (this.resident ? this.host.hart.x : this.vhart.hart.x)[i] = BigInt.asUintN(64, value);
  }

  /**
   * With the hypervisor as the guest's SBI: the VM's one SbiServer (made by its first vCPU) learns
   * how this vCPU's mode realises timers, IPIs, fences and starts.
   */
  protected joinSbi(hooks: VcpuSbiHooks, pvMmu?: PvMmuBackend): void {
    const vm = this.vm;
    if (vm.sbiPlatform === undefined) {
      const platform = new VmSbiPlatform(vm);
      vm.sbiPlatform = platform;
      vm.sbi = new SbiServer(platform, { pvMmu, harts: vm.vcpuCount, waitForInterrupt: () => platform.suspendRetentive() });
    }
    vm.sbiPlatform.register(this.index, hooks);
  }

  /**
   * Run the guest on the real hart until an exit its VMM must see or `budget` instructions are
   * retired. Each trap comes back from the real hart's `run()` (its M-mode is the host's); the
   * back end's `handleTrap` does what it means in the guest's terms.
   */
  run(budget: number): VcpuExit {
    const vm = this.vm;
    vm.select(this.index);
    const real = this.host.hart;
    let remaining = budget;
    while (remaining > 0) {
      if (vm.state === 'stopped') return this.final();
      if (vm.state === 'waiting') return { kind: 'wfi' };
      try {
        const blocked = this.enter();
        if (blocked !== undefined) return blocked;
        const before = real.retired;
        let exit = real.run(remaining);
        // Hart.run(n) ends 'budget' after exactly n steps, each a retired instruction or a trap:
        // the traps among them were taken inside the guest (no exit), or the last one to M.
        let inside = exit.reason === 'budget' ? remaining - (real.retired - before) : 0;
        // A trap on the last instruction of the budget leaves its exit pending in the hart (it is
        // back in M-mode): collect it now, or it would surface in whichever vCPU runs next.
        if (exit.reason === 'budget' && real.priv === PRIV_M) {
          inside--;
          exit = real.run(1);
        }
        const ran = real.retired - before;
        vm.stats.direct += ran;
        vm.vhart.hart.addRetired(ran);
        remaining -= ran;
        vm.idleExits = ran === 0 ? vm.idleExits + 1 : 0;
        if (inside > 0) {
          vm.stats.trapSteps += inside;
          // Trap steps use the budget as instructions do: a trap loop inside the guest returns.
          remaining -= inside;
        }
        vm.idleSteps = ran === 0 ? vm.idleSteps + Math.max(0, inside) : 0;
        this.ran();
        if (exit.reason === 'budget') {
          this.suspended();
          // Only a budget exit adds trap steps: the guest's state is noted above before it stops.
          if (vm.idleSteps > TRAP_STEP_LIMIT) return this.stopped('trap-storm', `${vm.idleSteps} trap steps in a row inside the guest retired no instruction (a trap loop at pc 0x${real.pc.toString(16)})`, real.pc);
          const verdict = this.record({ reason: 'timer', cause: 0n, tval: 0n, epc: real.pc, vpriv: this.guestPriv, at: vm.stats.guestInstructions });
          if (verdict === 'stop') return this.stopped('hook', 'stopped by an exit hook at a timer exit', real.pc);
          return this.deviceExit() ?? { kind: 'budget' };
        }
        if (exit.reason !== 'trap') return this.stopped('hypervisor-error', `unexpected exit ${exit.reason} from the real hart`, real.pc);
        if (vm.idleExits > this.stormLimit) return this.stopped('trap-storm', `${vm.idleExits} exits in a row without progress (last cause ${exit.cause})`, exit.epc);
        this.exited(exit.epc);
        if (exit.cause >= INTERRUPT_BIT) {
          // The real hart's own interrupt (a host without one never has mie set): the host runs first.
          this.record({ reason: 'timer', cause: exit.cause, tval: exit.tval, epc: exit.epc, vpriv: this.guestPriv, at: vm.stats.guestInstructions });
          return { kind: 'interrupt' };
        }
        // An exception's cause is a small number (priv spec 3.1.15): no bigint mask needed.
        const out = this.handleTrap(Number(exit.cause) & 0xff, exit.tval, exit.epc);
        if (out.retired) remaining--;
        else if (out.injected === true) {
          // The guest's own trap, delivered by the hypervisor into its trap vector: a step that
          // retired nothing, as when the real hart takes it inside the guest (above) or a bare
          // board's hart takes it (Hart.run counts a trap as a step). Without this a trap loop in
          // trap-and-emulate mode ran on for the whole exit-storm limit, past any budget.
          vm.stats.trapSteps++;
          remaining--;
        }
        const device = this.deviceExit();
        if (device !== undefined) return device;
        if (out.exit !== undefined) return out.exit;
      } catch (e) {
        // A bug or an unforeseen guest action stops this VM alone, never the host.
        return this.stopped('hypervisor-error', e instanceof Error ? `${e.name}: ${e.message}` : String(e), vm.vhart.hart.pc);
      }
    }
    return { kind: 'budget' };
  }

  /** Prepare the real hart to resume the guest; an exit when the VM cannot continue. */
  protected abstract enter(): VcpuExit | undefined;
  /** The guest's privilege as the exit records name it (0 U, 1 S, 3 M). */
  protected abstract get guestPriv(): number;
  /** After the real hart ran guest code. */
  protected abstract ran(): void;
  /** The budget ended with the real hart still in the guest: note where it is. */
  protected abstract suspended(): void;
  /** A trap of the guest at `epc` came back to the host. */
  protected abstract exited(epc: bigint): void;
  /** Handle one trap: whether it retired a guest instruction, and an exit for the VMM. */
  protected abstract handleTrap(cause: number, tval: bigint, epc: bigint): TrapOutcome;

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
    if (verdict === 'deny') real.setX(10, SBI_DENIED);
    else {
      extension = vm.sbi!.handle({ read: (i) => real.x[i]!, write: (i, v) => real.setX(i, v) }).extension;
      vm.stats.count(`sbi.${extension}`);
    }
    vm.vhart.hart.setPc(epc + 4n);
    if (vm.hext !== undefined) vm.hext.pc = epc + 4n;
    vm.stats.emulated++;
    return vm.state === 'waiting' ? { kind: 'wfi' } : { kind: 'sbi', extension };
  }
}
