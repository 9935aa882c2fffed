export { runCommand, createMachine, RUN_OPTIONS, DEFAULT_BIOS } from './run.js';
export { parseArgs, parseProps } from './args.js';
