// The compiled CLI started as bin/samizdat.mjs starts it when lib/ is current, minus the stamp
// check (a few milliseconds): a benchmark keeps timing the lib/ it compiled at its start even if
// someone edits src/ while it runs (bin/ would then fall back to tsx).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
(await import('../../lib/cli/early-scans.js')).prestartFromArgv(process.argv.slice(2), process.cwd());
const { main } = await import('../../lib/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
