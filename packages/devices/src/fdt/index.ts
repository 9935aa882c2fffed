export {
  Fdt,
  FDT_MAGIC,
  FDT_VERSION,
  FDT_LAST_COMP_VERSION,
  FDT_BEGIN_NODE,
  FDT_END_NODE,
  FDT_PROP,
  FDT_NOP,
  FDT_END,
  FDT_HEADER_SIZE,
} from './fdt.js';
export type { FdtOptions, FdtReservation } from './fdt.js';
export { FdtNode, FdtProperty } from './node.js';
export type { FdtSource } from './node.js';
export { parseFdt, parseFdtHeader } from './parse.js';
export type { FdtHeader } from './parse.js';
