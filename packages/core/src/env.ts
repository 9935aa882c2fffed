/**
 * One environment variable of the host process, or undefined: for the few switches the packages
 * read (VM_TRANSLATE, VM_WASM) without depending on Node's types, so they also load in a browser
 * or a worker without `process`.
 */
export function envVar(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
