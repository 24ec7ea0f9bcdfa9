import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vitest/config';

type TestOptions = NonNullable<UserConfig['test']>;

/**
 * Every package's vitest settings: its test/ folder, generous timeouts (the machines are slow and
 * shared), separate processes, and the setup that yields to the event loop after each test.
 * A package passes only what differs.
 */
export function packageTestConfig(overrides: TestOptions = {}) {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 120_000,
      pool: 'forks',
      setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
      ...overrides,
    },
  });
}
