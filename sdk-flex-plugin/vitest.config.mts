import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The sources use the classic JSX runtime (React.createElement), as the plugin bundle does.
  oxc: { jsx: { runtime: 'classic' } },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    globals: true,
    restoreMocks: true,
    maxWorkers: 2,
  },
});
