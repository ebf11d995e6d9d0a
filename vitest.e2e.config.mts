import { defineConfig } from 'vitest/config';

// Two projects, each with the setup it needs: n8n's (a real n8n install, ~3-5 min the first time) runs only when n8n
// tests are selected, and the MCP Inspector's tests start from the migrated embedded home the unit tests use.
export default defineConfig({
  test: {
    testTimeout: 240_000,
    hookTimeout: 240_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'n8n', include: ['test/e2e/n8n/**/*.test.ts'], globalSetup: ['test/e2e/n8n/global-setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'inspector',
          include: ['test/e2e/inspector/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
