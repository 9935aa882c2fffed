import { Fdt } from '@vm/devices';
import { VIRT, VIRT_TIMEBASE_HZ } from './memory-map.js';
import type { VirtMachine } from './virt.js';

export interface VirtFdtOptions {
  /** /chosen/bootargs (QEMU's -append). */
  bootargs?: string;
  /** /chosen/linux,initrd-start and -end. */
  initrd?: { start: number; end: number };
}


/** What each hart implements, in the devicetree's ISA-string form (riscv,isa binding). */
const RISCV_ISA = 'rv64imafdc_zicsr_zifencei_zihintpause_sstc';
/** The same with the hypervisor extension ('h' after the single-letter extensions, as QEMU writes it). */
const RISCV_ISA_H = 'rv64imafdch_zicsr_zifencei_zihintpause_sstc';


/**
 * The device tree of this board, in the shape QEMU's virt machine generates (hw/riscv/virt.c,
 * create_fdt*): harts and RAM here, then one node per device of the board's registry, each
 * written by the device's own FDT builder (device-registry.ts).
 */
export function buildVirtFdt(m: VirtMachine, o: VirtFdtOptions = {}): Uint8Array {
  const fdt = new Fdt();
  const root = fdt.root;
  root.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'riscv-virtio').string('model', 'riscv-virtio,qemu');

  const chosen = root.node('chosen');
  chosen.string('stdout-path', `/soc/serial@${VIRT.uart0.base.toString(16)}`);
  if (o.bootargs !== undefined) chosen.string('bootargs', o.bootargs);
  if (o.initrd !== undefined) chosen.u64('linux,initrd-start', o.initrd.start).u64('linux,initrd-end', o.initrd.end);

  root.node(`memory@${VIRT.dram.base.toString(16)}`).string('device_type', 'memory').u64s('reg', [VIRT.dram.base, m.ram.size]);

  const cpus = root.node('cpus');
  cpus.u32('#address-cells', 1).u32('#size-cells', 0).u32('timebase-frequency', VIRT_TIMEBASE_HZ);
  const intc: number[] = [];
  const cluster = cpus.node('cpu-map').node('cluster0');
  m.harts.forEach((hart, id) => {
    const cpu = cpus.node(`cpu@${id}`);
    const cpuPh = cpu.phandle();
    cpu
      .string('device_type', 'cpu')
      .u32('reg', id)
      .string('status', 'okay')
      .string('compatible', 'riscv')
      .string('riscv,isa', hart.hExtension ? RISCV_ISA_H : RISCV_ISA)
      .string('mmu-type', 'riscv,sv48');
    const ic = cpu.node('interrupt-controller');
    ic.u32('#interrupt-cells', 1).empty('interrupt-controller').string('compatible', 'riscv,cpu-intc');
    intc.push(ic.phandle());
    cluster.node(`core${id}`).u32('cpu', cpuPh);
  });

  const soc = root.node('soc');
  soc.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'simple-bus').empty('ranges');

  // Every device's node, in registry order; nodes are created first so the PLIC's phandle is
  // known before any node refers to it.
  const described = m.devices.entries.filter((e) => e.fdt !== undefined);
  const nodes = described.map((e) => soc.node(`${e.fdtName ?? e.name}@${e.base.toString(16)}`));
  const plicAt = described.findIndex((e) => e.device === m.plic);
  const plicPh = plicAt < 0 ? 0 : nodes[plicAt]!.phandle();
  const at = { root, soc, plicPhandle: plicPh, cpuIntc: intc };
  described.forEach((e, i) => e.fdt!(nodes[i]!, at));

  for (const extra of m.fdtExtensions) extra(fdt, { soc, plicPhandle: plicPh });
  return fdt.toBlob();
}
