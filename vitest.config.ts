import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers and a real browser: give them time, but never hang CI.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: at most two test files at once.
    maxWorkers: 2,
    minWorkers: 1,
    // The AWS SDK's notice that its 2027 releases need Node 22 (the CLI silences it too).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
