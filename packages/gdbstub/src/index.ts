export { GdbServer } from './server.js';
export type { GdbServerOptions } from './server.js';
export type { RiscvCpu } from './target.js';
export { targetXml, readRegister, writeRegister, registerSize, REG_PC, REG_F0, REG_CSR0, REG_PRIV } from './registers.js';
export { dataAccessAt } from './access.js';
export type { DataAccess } from './access.js';
export { framePacket, checksum, PacketReader } from './packet.js';
export type { WireEvent } from './packet.js';
