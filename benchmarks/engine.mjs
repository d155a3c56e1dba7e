// benchmarks/engine.mjs - trawl's engine beside the models' own runtimes,
// in the same run, same input shapes, same thread count.
//
//   node benchmarks/engine.mjs [--trawl build/src/cli/trawl] [--iters 20]
//                              [--threads 2] [--out benchmarks/results/engine.json]
//                              [--cpu-level baseline|avx2|avx512]
//
// The CPU dispatch level trawl ran at (TRAWL_CPU_LEVEL, README "CPUs": which
// OpenBLAS kernels) is printed and saved with the results, from `trawl info
// --json` and from each bench line; --cpu-level forces it for trawl's side
// (the peers pick their own kernels).
//
// Ours: `trawl nn bench MODEL --shape ... --json`. Peers: onnxruntime-node
// (PP-OCR) via peer-ort.mjs and tfjs-wasm (face-api) via peer-tfjs.mjs. Each
// run is its own process, so peak RSS is per model. Prints a table and
// writes JSON with median/p90 latency, RSS and the ratio ours/peer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const trawl = opt('trawl', join(here, '..', 'build', 'src', 'cli', 'trawl'));
const iters = opt('iters', '20');
const warmup = opt('warmup', '3');
const threads = opt('threads', String(os.cpus().length));
const out = opt('out', join(here, 'results', 'engine.json'));
const only = opt('only', '');
const cpuLevel = opt('cpu-level', '');
if (cpuLevel) process.env.TRAWL_CPU_LEVEL = cpuLevel;

const cases = [
  { name: 'ssd-512', model: 'face-api/ssd_mobilenetv1_model-weights_manifest.json', shape: '1x3x512x512', peer: ['peer-tfjs.mjs', 'ssd', '--size', '512x512'] },
  { name: 'landmarks-112', model: 'face-api/face_landmark_68_model-weights_manifest.json', shape: '1x3x112x112', peer: ['peer-tfjs.mjs', 'landmarks', '--size', '112x112'] },
  { name: 'recognition-150', model: 'face-api/face_recognition_model-weights_manifest.json', shape: '1x3x150x150', peer: ['peer-tfjs.mjs', 'recognition', '--size', '150x150'] },
  { name: 'det-640x640', model: 'ocr-models/ch_PP-OCRv4_det_infer.onnx', shape: '1x3x640x640', peer: ['peer-ort.mjs', null, '--shape', '1x3x640x640'] },
  { name: 'det-960x544', model: 'ocr-models/ch_PP-OCRv4_det_infer.onnx', shape: '1x3x544x960', peer: ['peer-ort.mjs', null, '--shape', '1x3x544x960'] },
  { name: 'rec-48x320-b1', model: 'ocr-models/ch_PP-OCRv4_rec_infer.onnx', shape: '1x3x48x320', peer: ['peer-ort.mjs', null, '--shape', '1x3x48x320'] },
  { name: 'rec-48x320-b8', model: 'ocr-models/ch_PP-OCRv4_rec_infer.onnx', shape: '8x3x48x320', peer: ['peer-ort.mjs', null, '--shape', '8x3x48x320'] },
];

const modelsDir = process.env.TRAWL_MODELS || join(os.homedir(), '.cache', 'trawl', 'models');

// Both sides print one JSON line; `trawl nn bench` names its fields
// median/p90/peak_rss_mb, the peers median_ms/p90_ms/peak_rss_kb.
function runJson(cmd, argv) {
  const text = execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = text.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  const r = JSON.parse(line);
  r.median_ms ??= r.median;
  r.p90_ms ??= r.p90;
  if (r.peak_rss_kb === undefined && r.peak_rss_mb !== undefined) r.peak_rss_kb = r.peak_rss_mb * 1024;
  return r;
}

// The level trawl runs at here (the same environment as every bench run).
let cpu;
try {
  const info = JSON.parse(execFileSync(trawl, ['info', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  cpu = { level: info.cpu_level, forced: info.cpu_level_forced, max: info.cpu_level_max, blas_core: info.blas_core };
} catch (e) {
  cpu = { error: String(e.message).split('\n')[0] };
}
console.log(cpu.error ? `CPU level: unknown (${cpu.error})`
  : `CPU level: ${cpu.level} (${cpu.forced ? 'forced by TRAWL_CPU_LEVEL' : 'automatic'}; OpenBLAS ${cpu.blas_core} kernels; this CPU up to ${cpu.max})`);

const results = [];
for (const c of cases) {
  if (only && !c.name.includes(only)) continue;
  const common = ['--iters', iters, '--warmup', warmup, '--threads', threads];
  let ours, peer;
  try {
    ours = runJson(trawl, ['nn', 'bench', c.model, '--shape', c.shape, '--json', ...common]);
  } catch (e) {
    ours = { error: String(e.message).split('\n')[0] };
  }
  const peerArgs = c.peer.map((a) => (a === null ? join(modelsDir, c.model) : a));
  const peerArgv = [join(here, peerArgs[0]), ...peerArgs.slice(1), ...common];
  try {
    peer = runJson('node', peerArgv);
  } catch (e) {
    peer = { error: String(e.message).split('\n')[0] };
  }
  const ratio = ours.median_ms && peer.median_ms ? ours.median_ms / peer.median_ms : null;
  const rss_ratio = ours.peak_rss_kb && peer.peak_rss_kb ? ours.peak_rss_kb / peer.peak_rss_kb : null;
  results.push({ name: c.name, model: c.model, shape: c.shape, ours, peer, peer_runtime: c.peer[0].includes('ort') ? 'onnxruntime-node' : 'tfjs-wasm', ratio_ours_over_peer: ratio, rss_ratio_ours_over_peer: rss_ratio });
  if (ours.cpu_level && ours.cpu_level !== cpu.level) console.log(`${c.name}: ran at CPU level ${ours.cpu_level}, not ${cpu.level}`);
  const f = (x) => (x === undefined || x === null ? '   n/a' : x.toFixed(1).padStart(7));
  console.log(`${c.name.padEnd(16)} ours ${f(ours.median_ms)} ms (p90 ${f(ours.p90_ms)})  peer ${f(peer.median_ms)} ms (p90 ${f(peer.p90_ms)})  ratio ${ratio ? ratio.toFixed(2) : 'n/a'}  rss ${f(ours.peak_rss_kb / 1024)} / ${f(peer.peak_rss_kb / 1024)} MiB${ours.error ? '  ours: ' + ours.error : ''}${peer.error ? '  peer: ' + peer.error : ''}`);
}
const report = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, cpu_level: cpu, threads: Number(threads), iters: Number(iters), date: new Date().toISOString(), results };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${out}`);
