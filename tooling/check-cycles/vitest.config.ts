import { defineConfig } from 'vitest/config';

// The command-line test starts tsx twice: slow on a loaded CI machine.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 120_000 },
});
