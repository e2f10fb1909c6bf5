// Resident memory of a threads-mode engine group under load: 3 replicas, 256 outstanding 1 KiB
// appends for SECONDS (default 60), RSS of the process (the group and the client) every 5 s.
// Run after `npm run build`: node bench/engine-rss.mjs [SECONDS]
import { startGroup } from '../dist/src/cluster/start-group.js';
import { DEFAULT_ENGINE_CONFIG } from '../dist/src/node/engine-config.js';

const seconds = Number(process.argv[2] ?? 60);
const group = await startGroup({ config: { ...DEFAULT_ENGINE_CONFIG } });
await group.leader(5000);
const client = group.client(0);
const payload = new Uint8Array(1024);
let stop = false;
let acked = 0;
const lanes = Array.from({ length: 256 }, async () => {
  while (!stop) {
    await client.append(payload);
    acked++;
  }
});
const samples = [];
for (let s = 5; s <= seconds; s += 5) {
  await new Promise((resolve) => setTimeout(resolve, 5000));
  samples.push(`${s}s ${Math.round(process.memoryUsage().rss / 1048576)} MiB (${acked} acked)`);
  process.stderr.write(samples[samples.length - 1] + '\n');
}
stop = true;
await Promise.all(lanes);
await group.close();
console.log(JSON.stringify({ seconds, acked, rss: samples }));
