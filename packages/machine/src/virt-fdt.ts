import { Fdt } from '@vm/devices';
import { IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI } from '@vm/isa';
import { VIRT, VIRT_IRQ, VIRT_PLIC_NDEV, VIRT_TIMEBASE_HZ } from './memory-map.js';
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

/** The UART's input clock QEMU advertises (3.6864 MHz), which drivers use to compute divisors. */
const UART_CLOCK_HZ = 3_686_400;

/**
 * The device tree of this board, in the shape QEMU's virt machine generates (hw/riscv/virt.c,
 * create_fdt*), describing exactly what is attached: harts, RAM, CLINT, PLIC, UART0, sifive_test
 * with its syscon poweroff/reboot nodes, the RTC, and the occupied virtio-mmio slots.
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

  soc
    .node(`clint@${VIRT.clint.base.toString(16)}`)
    .strings('compatible', ['sifive,clint0', 'riscv,clint0'])
    .u64s('reg', [VIRT.clint.base, VIRT.clint.size])
    .cells('interrupts-extended', intc.flatMap((ph) => [ph, IRQ_MSI, ph, IRQ_MTI]));

  const plic = soc.node(`plic@${VIRT.plic.base.toString(16)}`);
  const plicPh = plic.phandle();
  plic
    .u32('#interrupt-cells', 1)
    .u32('#address-cells', 0)
    .strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .empty('interrupt-controller')
    .cells('interrupts-extended', intc.flatMap((ph) => [ph, IRQ_MEI, ph, IRQ_SEI]))
    .u64s('reg', [VIRT.plic.base, VIRT.plic.size])
    .u32('riscv,ndev', VIRT_PLIC_NDEV);

  for (const v of [...m.virtio].sort((a, b) => b.base - a.base)) {
    soc
      .node(`virtio_mmio@${v.base.toString(16)}`)
      .u32('interrupts', v.irq)
      .u32('interrupt-parent', plicPh)
      .u64s('reg', [v.base, VIRT.virtio.size])
      .string('compatible', 'virtio,mmio');
  }

  const test = soc.node(`test@${VIRT.test.base.toString(16)}`);
  const testPh = test.phandle();
  test.strings('compatible', ['sifive,test1', 'sifive,test0', 'syscon']).u64s('reg', [VIRT.test.base, VIRT.test.size]);
  root.node('poweroff').u32('value', 0x5555).u32('offset', 0).u32('regmap', testPh).string('compatible', 'syscon-poweroff');
  root.node('reboot').u32('value', 0x7777).u32('offset', 0).u32('regmap', testPh).string('compatible', 'syscon-reboot');

  soc
    .node(`serial@${VIRT.uart0.base.toString(16)}`)
    .u32('interrupts', VIRT_IRQ.uart0)
    .u32('interrupt-parent', plicPh)
    .u32('clock-frequency', UART_CLOCK_HZ)
    .u64s('reg', [VIRT.uart0.base, VIRT.uart0.size])
    .string('compatible', 'ns16550a');

  soc
    .node(`rtc@${VIRT.rtc.base.toString(16)}`)
    .u32('interrupts', VIRT_IRQ.rtc)
    .u32('interrupt-parent', plicPh)
    .u64s('reg', [VIRT.rtc.base, VIRT.rtc.size])
    .string('compatible', 'google,goldfish-rtc');

  for (const extra of m.fdtExtensions) extra(fdt, { soc, plicPhandle: plicPh });
  return fdt.toBlob();
}
