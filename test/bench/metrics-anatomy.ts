/**
 * Where a metrics chunk's bytes go (issue 20): the bench:metrics simulation (same generator) for one
 * hour, encoded as the store does (raw hour chunk, 1m hour chunk of [avg…, max…], 1h day chunk),
 * with each column's share measured by encoding the chunk without it. Prints a table; last line JSON.
 * (A column another one is predicted from, by a ratio, shows only its own cost; dropping it moves the
 * other's cost into "rest".) `HOURS=2` for a quick look; 24 takes minutes.
 */
import { SERIES, type EntityKind } from '../../engine/contract/metrics';
import { encodeChunk, quantize, type Chunk } from '../../engine/metrics/chunk-codec';
import { aggregate } from '../../engine/metrics/rollup';

const SIM_VMS = 50;
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const state = Array.from({ length: SIM_VMS }, () => ({ cpu: rnd() * 40, mem: 2e8 + rnd() * 5e8 }));
const q = (v: number | null) => (v == null ? NaN : quantize(v));
type Row = { kind: EntityKind; values: number[] };
function round(): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < SIM_VMS; i++) {
    const s = state[i]!;
    s.cpu = Math.min(100, Math.max(0, s.cpu + (rnd() - 0.5) * 10));
    s.mem = Math.max(1e8, s.mem + (rnd() - 0.5) * 1e6);
    const burst = rnd() < 0.2;
    const wr = burst ? rnd() * 5e7 : 0;
    const wops = burst ? rnd() * 500 : 0;
    const rx = rnd() * 2e4;
    const tx = rnd() * 1e4;
    const vm = [s.cpu, s.cpu / 8, s.mem, 1073741824, null, null, 0, 0, wr, 0, wops, rx, tx, Math.round(rx / 300), Math.round(tx / 300), null, null, null];
    out.push({ kind: 'vm', values: vm.map(q) });
    out.push({ kind: 'disk', values: [0, wr, 0, wops].map(q) });
    out.push({ kind: 'nic', values: [rx, tx, Math.round(rx / 300), Math.round(tx / 300)].map(q) });
  }
  return out;
}
const HOURS = Number(process.env.HOURS ?? 24);
// samples[entityIndex][sampleIndex] = values
const n = SIM_VMS * 3;
const samples: number[][][] = Array.from({ length: n }, () => []);
for (let m = 0; m < HOURS * 720; m++) round().forEach((r, i) => samples[i]!.push(r.values));
const kinds: EntityKind[] = Array.from({ length: n }, (_, i) => (['vm', 'disk', 'nic'] as const)[i % 3]!);

function colMajor(rows: number[][], k: number): Float64Array {
  const m = rows.length;
  const v = new Float64Array(k * m);
  for (let j = 0; j < m; j++) for (let c = 0; c < k; c++) v[c * m + j] = rows[j]![c]!;
  return v;
}
function shares(c: Chunk): { total: number; times: number; cols: number[] } {
  const total = encodeChunk(c).length * 8;
  const times = encodeChunk({ times: c.times, values: new Float64Array(0), k: 0 }).length * 8;
  const m = c.times.length;
  const cols: number[] = [];
  for (let col = 0; col < c.k; col++) {
    const v = c.values.slice();
    v.fill(NaN, col * m, col * m + m);
    cols.push(total - encodeChunk({ ...c, values: v }).length * 8);
  }
  return { total, times, cols };
}
const tally: Record<string, { bits: number; n: number }> = {};
const add = (k: string, bits: number, cnt: number) => ((tally[k] ??= { bits: 0, n: 0 }).bits += bits, (tally[k].n += cnt));
const report: Record<string, unknown> = {};
for (const tier of ['raw', '1m', '1h'] as const) {
  for (const k of Object.keys(tally)) delete tally[k];
  let bytes = 0;
  let chunks = 0;
  for (let e = 0; e < n; e++) {
    const kind = kinds[e]!;
    const ns = SERIES[kind].length;
    const all = samples[e]!;
    const hours = tier === '1h' ? [all] : Array.from({ length: HOURS }, (_, h) => all.slice(h * 720, h * 720 + 720));
    for (const part of hours) {
      let times: number[];
      let rows: number[][];
      let names: string[];
      if (tier === 'raw') {
        times = part.map((_, j) => j * 5000);
        rows = part;
        names = [...SERIES[kind]];
      } else {
        const per = tier === '1m' ? 12 : 720;
        rows = [];
        times = [];
        for (let j = 0; j < part.length; j += per) {
          const mins = [];
          for (let x = j; x < j + per; x += 12) {
            const a = aggregate(part.slice(x, x + 12).map((v) => ({ t: 0, avg: v.map((y) => (Number.isNaN(y) ? null : y)), max: v.map((y) => (Number.isNaN(y) ? null : y)) })), ns);
            mins.push({ t: 0, avg: a.avg.map((y) => (y == null ? null : quantize(y))), max: a.max });
          }
          const a = tier === '1m' ? mins[0]! : aggregate(mins, ns);
          rows.push([...a.avg.map((y) => (y == null ? NaN : quantize(y))), ...a.max.map((y) => (y == null ? NaN : y))]);
          times.push((j / 12) * 60_000);
        }
        names = [...SERIES[kind].map((s) => `${s}.avg`), ...SERIES[kind].map((s) => `${s}.max`)];
      }
      const c: Chunk = { times, values: colMajor(rows, names.length), k: names.length };
      const s = shares(c);
      bytes += s.total / 8;
      chunks++;
      add(`${kind} times`, s.times, times.length);
      s.cols.forEach((b, i) => add(`${kind} ${names[i]}`, b, rows.filter((r) => !Number.isNaN(r[i]!)).length));
      add(`${kind} (rest: header, tags)`, s.total - s.times - s.cols.reduce((a, b) => a + b, 0), 1);
    }
  }
  console.log(`\n== ${tier}: ${chunks} chunks, ${bytes} bytes, ${(bytes / SIM_VMS).toFixed(0)} per VM`);
  for (const [k, v] of Object.entries(tally).sort((a, b) => b[1].bits - a[1].bits)) {
    if (!v.bits) continue;
    console.log(`${k.padEnd(32)} ${(v.bits / 8 / SIM_VMS).toFixed(0).padStart(9)} B/VM  ${(v.bits / Math.max(1, v.n)).toFixed(2).padStart(7)} bits/value  (${((100 * v.bits) / 8 / bytes).toFixed(1)} %)`);
  }
  report[tier] = { bytes, perVm: bytes / SIM_VMS, chunks };
}
console.log(JSON.stringify({ anatomy: true, hours: HOURS, ...report }));
