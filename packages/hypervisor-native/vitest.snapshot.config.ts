import { defineConfig } from 'vitest/config';

// Runs the tests against a committed snapshot of @vm/isa and @vm/mmu (extracted to /tmp/hv-snap
// with `git archive HEAD packages/isa/src packages/mmu/src`) while those packages are mid-edit.
export default defineConfig({
  resolve: {
    conditions: ['@vm/source'],
    alias: { '@vm/core': '/work/main/packages/core/src/index.ts', '@vm/isa': '/tmp/hv-snap/packages/isa/src/index.ts', '@vm/mmu': '/tmp/hv-snap/packages/mmu/src/index.ts' },
  },
  ssr: { resolve: { conditions: ['@vm/source'] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
