import type { OptionSpec } from './args.js';

/** `vm run` options: QEMU's names where QEMU has the option, ours only for what QEMU lacks. */
export const RUN_OPTIONS: readonly OptionSpec[] = [
  { name: 'M', value: true, help: 'machine type: virt, or virt,dumpdtb=FILE (bare board: write its device tree and exit)' },
  { name: 'machine', value: true, help: 'same as -M' },
  { name: 'm', value: true, help: 'RAM size, e.g. 256M (bare number = MiB); default 128M' },
  { name: 'smp', value: true, help: 'number of harts, 1..8' },
  { name: 'cpu', value: true, help: 'rv64 (the only model)' },
  { name: 'bios', value: true, help: "M-mode firmware file, or 'none'; default Debian's OpenSBI fw_dynamic" },
  { name: 'kernel', value: true, help: 'kernel: M-mode program with -bios none, else the firmware payload' },
  { name: 'append', value: true, help: 'kernel command line (DTB /chosen/bootargs)' },
  { name: 'initrd', value: true, help: 'initial ramdisk' },
  { name: 'drive', value: true, repeat: true, help: 'file=F,format=raw,if=virtio|pio|none[,id=ID][,readonly=on][,snapshot=on]' },
  { name: 'device', value: true, repeat: true, help: 'virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N] | pio-disk,drive=ID | virtio-rng-device | virtio-net-device (loopback); bus= picks the virtio-mmio slot 0..7 (default: the highest free); under --hypervisor native: virtio-blk-device and pio-disk; hosted: one virtio-blk-device' },
  { name: 'global', value: true, repeat: true, help: 'virtio-mmio.force-legacy=on|off: legacy (Version 1, QEMU 7.2 default: on) or modern (Version 2) virtio-mmio transports' },
  { name: 'snapshot', value: false, help: 'write disk changes to a temporary overlay; images stay untouched' },
  { name: 'nographic', value: false, help: 'the console is the terminal (always); also turns on the Ctrl-A keys (C-a c monitor, C-a x quit, C-a h help) when stdin is a pipe' },
  { name: 'serial', value: true, help: 'stdio (default), mon:stdio (with the Ctrl-A mux), file:FILE or null: where the UART goes (anything else is refused)' },
  { name: 'display', value: true, help: 'none (anything else is refused)' },
  { name: 'monitor', value: true, help: 'stdio, tcp:HOST:PORT,server[,nowait] or none; default: on the console mux (Ctrl-A C)' },
  { name: 'gdb', value: true, help: 'tcp::PORT or tcp:HOST:PORT: a GDB remote stub (target remote :PORT); under --hypervisor native it debugs the guest' },
  { name: 's', value: false, help: 'same as -gdb tcp::1234' },
  { name: 'S', value: false, help: 'do not start the CPU until GDB (or the monitor) lets it run' },
  { name: 'd', value: true, help: 'in_asm,exec,cpu,int,mmu,guest_errors,unimp: log these (QEMU\'s -d; -d help lists them); the CPU then runs one instruction at a time' },
  { name: 'D', value: true, help: 'write the -d log to this file (default stderr)' },
  { name: 'version', value: false, help: 'print the version and exit' },
  { name: 'no-reboot', value: false, help: 'exit instead of rebooting when the guest resets' },
  { name: 'clock', value: true, help: 'virtual (default, deterministic) or wall' },
  { name: 'max-instructions', value: true, help: 'stop with status 124 after this many instructions' },
  { name: 'stats', value: false, help: 'print instructions retired and MIPS (and, under a hypervisor, exits by reason) to stderr at exit' },
  { name: 'hypervisor', value: true, help: 'none (default: the bare board), native (one VM under the type-1 hypervisor) or hosted (a VMM process on the host OS)' },
  { name: 'mode', value: true, help: 'with --hypervisor native: trap (trap-and-emulate, default) or hext (the H extension); with --hypervisor hosted: accel (/dev/vmm, default) or soft (the VMM interprets)' },
  { name: 'kernel-mode', value: true, help: "with --hypervisor and -bios none: s (an S-mode payload at 0x80200000 on the hypervisor's SBI, as QEMU with KVM) or m (an M-mode program in virtual M-mode); default: a raw image or Linux Image is s, an ELF says by its addresses" },
];

/** `vm up STACK.yaml` options. */
export const UP_OPTIONS: readonly OptionSpec[] = [
  { name: 'attach', value: true, help: "connect the terminal to this VM's console (others go, prefixed, to stderr)" },
  { name: 'max-instructions', value: true, help: 'stop with status 124 after this many guest instructions in total' },
  { name: 'stats', value: false, help: 'print exits by reason per VM to stderr at exit' },
  { name: 'monitor', value: true, help: 'stdio, tcp:HOST:PORT,server[,nowait] or none; default: on the console (Ctrl-A C). info vms, info exits NAME, info shadow NAME, vm_pause NAME, vm_resume NAME, stop, cont, quit ...' },
];
