export { runCommand, createMachine, DEFAULT_BIOS } from './run.js';
export { RUN_OPTIONS } from './options.js';
export { parseArgs, parseProps } from './args.js';
export { upCommand } from './up.js';
export { loadStack } from './stack-file.js';
export type { StackSpec, StackVm, StackDrive } from './stack-file.js';
export { UP_OPTIONS } from './options.js';
