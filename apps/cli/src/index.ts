export { runCommand, createMachine, DEFAULT_BIOS } from './run.js';
export { RUN_OPTIONS } from './options.js';
export { parseArgs, parseProps } from './args.js';
