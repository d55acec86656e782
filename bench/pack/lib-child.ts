// One library call timed inside its process (no CLI start-up):
//   node --import tsx lib-child.ts pack SITE OUT LEVEL  |  verify SITE
// prints {"ms": wall, "cpuMs": user+system of this process during the call, ...}.
import { packSite } from '../../src/pack/index.ts';
import { verifyTarget } from '../../src/verify/index.ts';

const [what, site, out, level] = process.argv.slice(2) as [string, string, string?, string?];
const c0 = process.cpuUsage();
const t0 = performance.now();
let detail: Record<string, unknown>;
if (what === 'pack') {
  const r = await packSite({ siteDir: site, outDir: out!, level: Number(level ?? 9) });
  detail = { bytes: r.bytes, entries: r.entries };
} else {
  const r = await verifyTarget(site);
  if (!r.ok) throw new Error(`verify failed: ${r.problems.slice(0, 5).join('; ')}`);
  detail = { files: r.files.good };
}
const ms = performance.now() - t0;
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ ms: Math.round(ms), cpuMs: Math.round((c.user + c.system) / 1000), ...detail }) + '\n');
