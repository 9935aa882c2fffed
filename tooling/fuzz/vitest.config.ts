import { defineConfig } from 'vitest/config';

// Tests run against sources through the @vm/source export condition (TOOLCHAIN.md pitfall 4).
export default defineConfig({
  resolve: { conditions: ['@vm/source'] },
  ssr: { resolve: { conditions: ['@vm/source'] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 180_000 },
});
