/** What `vm -version` / `vm run -version` print (QEMU's two lines: version, then what it is). */
export const VERSION = 'vm version 0.1.0 (RISC-V RV64GC virt machine, QEMU 7.2 virt board compatible)\nvm: a TypeScript virtualisation stack; the gdbstub, monitor and -d follow QEMU 7.2\n';
