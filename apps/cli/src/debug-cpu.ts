import type { RiscvCpu } from '@vm/gdbstub';
import {
  CSR_NAMES, CSR_SATP, CSR_SCAUSE, CSR_SEPC, CSR_SIE, CSR_SIP, CSR_SSCRATCH, CSR_SSTATUS, CSR_STVAL, CSR_STVEC, CSR_VSATP, CSR_VSSTATUS,
  PRIV_M, type Hart,
} from '@vm/isa';
import {
  ACCESS_LOAD, PAGE_SIZE, PRIV_S, PTE_WRITTEN, SATP_MODE_BARE, SATP_MODE_SV39, walkPageTable, type PteMemory, type PteWriteResult,
  type SystemBus, type WalkStage,
} from '@vm/mmu';
import type { Vm } from '@vm/hypervisor-native';

/** A PTE memory for the debugger: reads PTEs from RAM, never sets A/D (looking must not change the guest). */
class PeekPteMemory implements PteMemory {
  hi = 0;
  constructor(private readonly bus: SystemBus) {}
  read(addr: number): number {
    const ram = this.bus.ram;
    if (!ram.contains(addr, 8)) return -1;
    this.hi = ram.read32(addr + 4);
    return ram.read32(addr);
  }
  write(): PteWriteResult {
    return PTE_WRITTEN;
  }
}

/**
 * Physical memory as the debugger sees it through `bus`: RAM and the boot ROM (devices are not
 * read: a UART's receive register would lose a byte). `translate` maps a virtual address of the
 * CPU's current translation to a physical one (or undefined).
 */
function memoryAccess(bus: SystemBus, translate: (va: bigint) => number | undefined): Pick<RiscvCpu, 'readMemory' | 'writeMemory' | 'translate'> {
  const physical = (addr: bigint, length: number, each: (pa: number, i: number) => boolean): boolean => {
    let i = 0;
    while (i < length) {
      const va = BigInt.asUintN(64, addr + BigInt(i));
      const pa = translate(va);
      if (pa === undefined) return false;
      const inPage = Math.min(length - i, PAGE_SIZE - Number(va & BigInt(PAGE_SIZE - 1)));
      for (let k = 0; k < inPage; k++, i++) if (!each(pa + k, i)) return false;
    }
    return true;
  };
  const readable = (pa: number): boolean => bus.ram.contains(pa, 1) || bus.find(pa)?.name === 'mrom';
  return {
    translate,
    readMemory(addr, length) {
      const out = new Uint8Array(length);
      const ok = physical(addr, length, (pa, i) => {
        if (!readable(pa)) return false;
        out[i] = bus.ram.contains(pa, 1) ? bus.ram.read8(pa) : Number(bus.read(pa, 1) & 0xffn);
        return true;
      });
      return ok ? out : undefined;
    },
    writeMemory(addr, data) {
      // Through the bus, so RAM-write observers (write-protected guest page tables) see it.
      return physical(addr, data.length, (pa, i) => bus.ram.contains(pa, 1) && bus.write(pa, 1, BigInt(data[i]!)));
    },
  };
}

/** Translate `va` with `satp` as an S-mode access with SUM and MXR (the debugger reads user pages and execute-only text). */
function walkSatp(bus: SystemBus, satp: bigint, va: bigint): number | undefined {
  const mode = Number(satp >> 60n);
  if (mode === SATP_MODE_BARE) return va < 2n ** 56n ? Number(va) : undefined;
  const stage: WalkStage = {
    levels: mode === SATP_MODE_SV39 ? 3 : 4,
    widenBits: 0,
    rootPpn: Number(satp & ((1n << 44n) - 1n)),
    gstage: false,
    mxr: false,
  };
  const r = walkPageTable(stage, Number(BigInt.asIntN(64, va)), ACCESS_LOAD, new PeekPteMemory(bus), { priv: PRIV_S, sum: true, mxr: true });
  return r.ok ? r.address : undefined;
}

/** CSRs `read` answers without throwing (the CPU's implemented set), fflags/frm/fcsr excluded. */
function implementedCsrs(read: (n: number) => bigint): number[] {
  const out: number[] = [];
  for (const n of CSR_NAMES.keys()) {
    if (n <= 3) continue;
    try {
      read(n);
      out.push(n);
    } catch {
      // not implemented by this hart
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * A hart of the bare board, with addresses translated by its satp when it runs below M-mode;
 * `halted` says whether the board holds it in WFI; `retired`: the board runs its harts in turns
 * (VirtMachine.run), so a single-step of one waits for its turn.
 */
export function hartCpu(hart: Hart, halted?: () => boolean): RiscvCpu {
  const bus = hart.bus;
  const mem = memoryAccess(bus, (va) => (hart.priv === PRIV_M ? (va < 2n ** 56n ? Number(va) : undefined) : walkSatp(bus, hart.satp, va)));
  return {
    readX: (i) => hart.x[i]!,
    writeX: (i, v) => hart.setX(i, v),
    readF: (i) => hart.f[i]!,
    writeF: (i, v) => hart.setF(i, v),
    get pc() {
      return hart.pc;
    },
    setPc: (v) => hart.setPc(v),
    get priv() {
      return hart.priv;
    },
    get halted() {
      return halted?.() ?? false;
    },
    get retired() {
      return hart.retired;
    },
    csrs: implementedCsrs((n) => hart.readCsr(n)),
    readCsr: (n) => hart.readCsr(n),
    writeCsr: (n, v) => hart.writeCsr(n, v),
    ...mem,
  };
}

/** S-level CSRs that a VM under H keeps in the real hart's VS CSRs (priv spec 8.2.10): n -> n + 0x100. */
const VS_OF_S = new Set([CSR_SSTATUS, CSR_SIE, CSR_STVEC, CSR_SSCRATCH, CSR_SEPC, CSR_SCAUSE, CSR_STVAL, CSR_SIP, CSR_SATP]);
const S_TO_VS = CSR_VSSTATUS - CSR_SSTATUS;

/**
 * vCPU `index` of a VM as its guest sees it: its registers wherever they live now (the real hart
 * while the vCPU is resident, its virtual hart or H context otherwise), its privileged state, and
 * its memory — guest physical addresses on the VM's board, guest virtual ones through the vCPU's
 * own satp (trap-and-emulate) or vsatp (H extension). `host` is the machine whose hart runs the
 * vCPU: the native hypervisor's, or the host OS's under /dev/vmm (hosted accel). It reads the
 * vCPU's own state, never the VM's current vCPU's (`vm.vhart`), so a debugger or monitor can
 * address any vCPU between runs. `halted`: the vCPU waits (WFI, an SBI suspend) or is STOPPED;
 * `retired`: what it has executed, so that a single-step of it waits for its turn to run.
 */
export function vmCpu(host: { readonly hart: Hart }, vm: Vm, index = 0): RiscvCpu {
  const real = host.hart;
  const vhart = vm.vharts[index];
  if (vhart === undefined) throw new Error(`${vm.name}: no vCPU ${index}`);
  const v = vhart.hart;
  const hext = vm.hexts[index];
  const vcpu = (): Vm['vcpu'] => vm.vcpus[index]!;
  const bus = vm.board.bus;
  const readCsr = (n: number): bigint => (hext !== undefined && VS_OF_S.has(n) ? hext.csr(real, n + S_TO_VS) : v.readCsr(n));
  const mem = memoryAccess(bus, (va) => {
    if (hext !== undefined) return walkSatp(bus, hext.csr(real, CSR_VSATP), va);
    return vhart.vpriv === PRIV_M ? (va < 2n ** 56n ? Number(va) : undefined) : walkSatp(bus, v.satp, va);
  });
  const fregs = (): BigUint64Array => (vcpu().resident ? real.f : v.f);
  return {
    readX: (i) => vcpu().readRegister(i),
    writeX: (i, value) => vcpu().writeRegister(i, value),
    readF: (i) => fregs()[i]!,
    writeF: (i, value) => (vcpu().resident ? real : v).setF(i, value),
    get pc() {
      return hext !== undefined ? hext.pc : v.pc;
    },
    setPc: (value) => {
      v.setPc(value);
      if (hext !== undefined) hext.pc = value;
    },
    get priv() {
      return hext !== undefined ? hext.priv : vhart.vpriv;
    },
    get halted() {
      return vm.cpuState(index) !== 'running';
    },
    get retired() {
      return v.retired;
    },
    csrs: implementedCsrs(readCsr),
    readCsr,
    writeCsr: (n, value) => (hext !== undefined && VS_OF_S.has(n) ? hext.setCsr(real, n + S_TO_VS, value) : v.writeCsr(n, value)),
    ...mem,
  };
}

/** Every vCPU of a VM (GDB threads 1..N, the monitor's CPUs 0..N-1), in hart order. */
export function vmCpus(host: { readonly hart: Hart }, vm: Vm): RiscvCpu[] {
  return vm.vharts.map((_, i) => vmCpu(host, vm, i));
}
