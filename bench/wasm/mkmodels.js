// mkmodels.js MODELDIR OUTDIR
//
// Makes the model files MediaPipe Tasks (@mediapipe/tasks-vision) needs from
// the plain legacy .tflite files of the model store, as the project's
// reference results were made (see the reference README, "Models"):
//   - each .tflite gets a TFLite metadata block that declares only the input
//     normalisation (mean/std 127.5/127.5 for [-1, 1] inputs, 0/255 for
//     [0, 1]); operators, tensors and weights are untouched;
//   - the hand and pose pairs are packed as .task bundles: uncompressed
//     (stored) zip files with the member names the Tasks graphs look for.
// Writes OUTDIR/hand_landmarker.task, OUTDIR/pose_landmarker_lite.task and
// OUTDIR/selfie_segmenter.tflite. Generated files, never committed.
//
// How the metadata gets in without a flatbuffer library: a .tflite file is a
// flatbuffer whose offsets (uoffset_t) are unsigned and point forward, and
// are relative to where they are stored. So the original file is kept
// byte for byte but moved back by a prefix (a multiple of 64 bytes, so every
// alignment inside it holds). The prefix holds a new root `Model` table that
// refers forward into the old one's vectors, a `buffers` vector with one more
// `Buffer` (the metadata flatbuffer, identifier "M001"), and a `metadata`
// vector with one more entry named "TFLITE_METADATA" pointing at that buffer.
// Field numbers: tensorflow/lite/schema/schema.fbs (Model, Buffer, Metadata)
// and the TFLite metadata_schema.fbs (ModelMetadata, SubGraphMetadata,
// TensorMetadata, ProcessUnit, NormalizationOptions); MediaPipe reads the
// block in mediapipe/tasks/cc/metadata/metadata_extractor.cc.
'use strict';
const fs = require('fs');
const path = require('path');

// Which range each model's input takes (MEDIAPIPE-FACTS.md, "Input ranges").
const ZERO_ONE = [0, 255];     // (x - 0) / 255 -> [0, 1]
const MINUS_ONE = [127.5, 127.5];  // (x - 127.5) / 127.5 -> [-1, 1]
const OUTPUTS = [
  {file: 'hand_landmarker.task', members: [
    ['hand_detector.tflite', 'palm_detection_lite', ZERO_ONE],
    ['hand_landmarks_detector.tflite', 'hand_landmark_lite', ZERO_ONE]]},
  {file: 'pose_landmarker_lite.task', members: [
    ['pose_detector.tflite', 'pose_detection', MINUS_ONE],
    ['pose_landmarks_detector.tflite', 'pose_landmark_lite', ZERO_ONE]]},
  {file: 'selfie_segmenter.tflite', model: ['selfie_segmentation', ZERO_ONE]},
];

// ---- a forward-only flatbuffer writer ------------------------------------
// Objects are laid out parent first, children after, so every uoffset is
// positive. Descriptions:
//   {table: [[slot, kind, value], ...]}  kind: 'u8' | 'u32' | 'ref'
//   {str: 'text'}   {floats: [..]}   {bytes: Buffer, align}   {refs: [obj..]}
//   {at: N}         an existing object at position N of the data placed after
//                   the writer's output (resolved by finish(base)).
class Writer {
  constructor() {
    this.buf = Buffer.alloc(1 << 16);
    this.n = 0;
    this.ext = [];  // [slot position, position in the data after the prefix]
  }
  grow(k) {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(2 * this.buf.length, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  pad(a, rem = 0) {  // until n % a == rem
    while (this.n % a !== rem) { this.grow(1); this.buf[this.n++] = 0; }
  }
  u16(v) { this.grow(2); this.buf.writeUInt16LE(v, this.n); this.n += 2; }
  u32(v) { this.grow(4); this.buf.writeUInt32LE(v >>> 0, this.n); this.n += 4; }
  // Writes obj and returns its position; `slot` (if given) gets the uoffset.
  put(obj, slot) {
    let pos;
    if ('at' in obj) {
      this.ext.push([slot, obj.at]);
      return -1;
    }
    if ('str' in obj) {
      const s = Buffer.from(obj.str, 'utf8');
      this.pad(4);
      pos = this.n;
      this.u32(s.length);
      this.grow(s.length + 1);
      s.copy(this.buf, this.n);
      this.n += s.length;
      this.buf[this.n++] = 0;
    } else if ('floats' in obj) {
      this.pad(4);
      pos = this.n;
      this.u32(obj.floats.length);
      for (const f of obj.floats) { this.grow(4); this.buf.writeFloatLE(f, this.n); this.n += 4; }
    } else if ('bytes' in obj) {
      this.pad(obj.align || 4, (obj.align || 4) - 4);  // the data after the length aligned
      pos = this.n;
      this.u32(obj.bytes.length);
      this.grow(obj.bytes.length);
      obj.bytes.copy(this.buf, this.n);
      this.n += obj.bytes.length;
    } else if ('refs' in obj) {
      this.pad(4);
      pos = this.n;
      this.u32(obj.refs.length);
      const slots = obj.refs.map(() => { const s = this.n; this.u32(0); return s; });
      obj.refs.forEach((o, i) => this.put(o, slots[i]));
    } else if ('table' in obj) {
      // vtable: size, table size, one u16 per slot; every field gets 4 bytes.
      const fields = obj.table;
      const nslots = fields.reduce((m, [s]) => Math.max(m, s + 1), 0);
      const at = new Array(nslots).fill(0);
      fields.forEach(([s], i) => { at[s] = 4 + 4 * i; });
      this.pad(2);
      const vt = this.n;
      this.u16(4 + 2 * nslots);
      this.u16(4 + 4 * fields.length);
      at.forEach((o) => this.u16(o));
      this.pad(4);
      pos = this.n;
      this.grow(4);
      this.buf.writeInt32LE(pos - vt, this.n);  // vtable = table - soffset
      this.n += 4;
      const later = [];
      for (const [, kind, v] of fields) {
        const s = this.n;
        if (kind === 'u8') { this.grow(4); this.buf.writeUInt32LE(v & 0xff, this.n); this.n += 4; }
        else if (kind === 'u32') this.u32(v);
        else if (kind === 'ref') { this.u32(0); later.push([s, v]); }
        else throw new Error('bad field kind ' + kind);
      }
      for (const [s, v] of later) this.put(v, s);
    } else {
      throw new Error('bad object');
    }
    if (slot !== undefined) this.buf.writeUInt32LE(pos - slot, slot);
    return pos;
  }
  // The written bytes, padded to a multiple of `align`; references to the
  // data after it resolved as if that data starts right after the padding.
  finish(align) {
    this.pad(align);
    for (const [slot, at] of this.ext) this.buf.writeUInt32LE(this.n + at - slot, slot);
    return this.buf.subarray(0, this.n);
  }
}

// The TFLite metadata flatbuffer: ModelMetadata { name, subgraph_metadata:
// [SubGraphMetadata { input_tensor_metadata: [TensorMetadata { name,
// process_units: [ProcessUnit { NormalizationOptions { mean, std } }] }] }],
// min_parser_version "1.0.0" }, with file identifier "M001".
function metadataBlock(name, [mean, std]) {
  const w = new Writer();
  w.u32(0);  // root offset, patched below
  w.grow(4);
  w.buf.write('M001', w.n, 'latin1');
  w.n += 4;
  const norm = {table: [[0, 'ref', {floats: [mean]}], [1, 'ref', {floats: [std]}]]};
  const unit = {table: [[0, 'u8', 1 /* NormalizationOptions */], [1, 'ref', norm]]};
  const input = {table: [[0, 'ref', {str: 'image'}], [4, 'ref', {refs: [unit]}]]};
  const subgraph = {table: [[2, 'ref', {refs: [input]}]]};
  const root = w.put({table: [[0, 'ref', {str: name}], [3, 'ref', {refs: [subgraph]}],
                              [7, 'ref', {str: '1.0.0'}]]});
  w.buf.writeUInt32LE(root, 0);
  return Buffer.from(w.finish(4));
}

// ---- reading the original model ------------------------------------------
function tableFields(b, t) {
  const vt = t - b.readInt32LE(t);
  const n = (b.readUInt16LE(vt) - 4) / 2;
  const f = [];
  for (let i = 0; i < n; i++) f.push(b.readUInt16LE(vt + 4 + 2 * i));
  return f;  // per slot: offset in the table, 0 if absent
}
const deref = (b, p) => p + b.readUInt32LE(p);
function refVector(b, v) {  // positions of the objects a vector of offsets refers to
  const n = b.readUInt32LE(v);
  const out = [];
  for (let i = 0; i < n; i++) out.push(deref(b, v + 4 + 4 * i));
  return out;
}
function readString(b, s) { return b.toString('utf8', s + 4, s + 4 + b.readUInt32LE(s)); }

function withMetadata(model, name, norm) {
  if (model.toString('latin1', 4, 8) !== 'TFL3') throw new Error(`${name}: not a TFL3 flatbuffer`);
  const root = model.readUInt32LE(0);
  const f = tableFields(model, root);
  // Model: 0 version:uint, 1 operator_codes, 2 subgraphs, 3 description,
  // 4 buffers, 5 metadata_buffer, 6 metadata, 7 signature_defs.
  if (f.length > 8 && f.slice(8).some((o) => o)) throw new Error(`${name}: Model has fields this script does not know`);
  const has = (s) => s < f.length && f[s] !== 0;
  if (!has(4)) throw new Error(`${name}: no buffers`);
  const buffers = refVector(model, deref(model, root + f[4]));
  const metas = has(6) ? refVector(model, deref(model, root + f[6])) : [];
  for (const m of metas) {
    const mf = tableFields(model, m);
    if (mf[0] && readString(model, deref(model, m + mf[0])) === 'TFLITE_METADATA') {
      throw new Error(`${name}: already has TFLITE_METADATA`);
    }
  }
  const block = metadataBlock(name, norm);
  const fields = [[0, 'u32', has(0) ? model.readUInt32LE(root + f[0]) : 0]];
  for (const s of [1, 2, 3, 5, 7]) if (has(s)) fields.push([s, 'ref', {at: deref(model, root + f[s])}]);
  fields.push([4, 'ref', {refs: [...buffers.map((p) => ({at: p})),
                                 {table: [[0, 'ref', {bytes: block, align: 16}]]}]}]);
  fields.push([6, 'ref', {refs: [...metas.map((p) => ({at: p})),
                                 {table: [[0, 'ref', {str: 'TFLITE_METADATA'}],
                                          [1, 'u32', buffers.length]]}]}]);
  fields.sort((a, b) => a[0] - b[0]);
  const w = new Writer();
  w.u32(0);
  w.grow(4);
  w.buf.write('TFL3', w.n, 'latin1');
  w.n += 4;
  const newRoot = w.put({table: fields});
  w.buf.writeUInt32LE(newRoot, 0);
  const prefix = w.finish(64);
  const out = Buffer.concat([prefix, model]);
  check(out, model, name, block, buffers.length, metas.length);
  return out;
}

// Reads the result back the way MediaPipe's metadata extractor does and
// checks the old contents are all still reachable and unchanged.
function check(out, model, name, block, nbuf, nmeta) {
  const shift = out.length - model.length;
  const root = out.readUInt32LE(0);
  const f = tableFields(out, root);
  const oldRoot = model.readUInt32LE(0);
  const of = tableFields(model, oldRoot);
  for (const s of [1, 2, 3, 5, 7]) {
    if ((of[s] || 0) === 0) continue;
    if (deref(out, root + f[s]) !== deref(model, oldRoot + of[s]) + shift) {
      throw new Error(`${name}: field ${s} moved`);
    }
  }
  const buffers = refVector(out, deref(out, root + f[4]));
  const metas = refVector(out, deref(out, root + f[6]));
  if (buffers.length !== nbuf + 1 || metas.length !== nmeta + 1) throw new Error(`${name}: counts`);
  const m = metas[nmeta];
  const mf = tableFields(out, m);
  if (readString(out, deref(out, m + mf[0])) !== 'TFLITE_METADATA') throw new Error(`${name}: name`);
  const bi = out.readUInt32LE(m + mf[1]);
  const bt = buffers[bi];
  const data = deref(out, bt + tableFields(out, bt)[0]);
  const bytes = out.subarray(data + 4, data + 4 + out.readUInt32LE(data));
  if (!bytes.equals(block) || bytes.toString('latin1', 4, 8) !== 'M001') throw new Error(`${name}: block`);
  if (!out.subarray(shift).equals(model) || shift % 64) throw new Error(`${name}: original moved`);
}

// ---- stored zip ------------------------------------------------------------
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(b) {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
// Members stored (method 0); each member's data starts at a multiple of 64
// (padding in the local header's extra field), as TFLite wants aligned models.
function zip(members) {
  const parts = [];
  const central = [];
  let off = 0;
  for (const [name, data] of members) {
    const nb = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    let extra = (64 - ((off + 30 + nb.length) % 64)) % 64;
    if (extra > 0 && extra < 4) extra += 64;  // an extra field is at least 4 bytes
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);                    // version needed
    h.writeUInt16LE(0, 6);                     // flags
    h.writeUInt16LE(0, 8);                     // stored
    h.writeUInt16LE(0, 10);                    // time 00:00
    h.writeUInt16LE(33, 12);                   // date 1980-01-01
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(data.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(nb.length, 26);
    h.writeUInt16LE(extra, 28);
    const ex = Buffer.alloc(extra);
    if (extra) { ex.writeUInt16LE(0xcafe, 0); ex.writeUInt16LE(extra - 4, 2); }  // a padding record
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(33, 14);                   // date 1980-01-01
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nb.length, 28);
    c.writeUInt32LE(off, 42);
    central.push(c, nb);
    parts.push(h, nb, ex, data);
    off += 30 + nb.length + extra + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...parts, cd, end]);
}

function main() {
  const [modelDir, outDir] = process.argv.slice(2);
  if (!modelDir || !outDir) {
    console.error('usage: mkmodels.js MODELDIR OUTDIR');
    process.exit(2);
  }
  fs.mkdirSync(outDir, {recursive: true});
  const load = (n, norm) => withMetadata(fs.readFileSync(path.join(modelDir, n + '.tflite')), n, norm);
  for (const o of OUTPUTS) {
    const data = o.model ? load(...o.model) : zip(o.members.map(([m, n, norm]) => [m, load(n, norm)]));
    const tmp = path.join(outDir, o.file + '.tmp');
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path.join(outDir, o.file));
    console.log(`${o.file}: ${data.length} bytes`);
  }
}

try {
  main();
} catch (e) {
  console.error('mkmodels.js: ' + e.message);
  process.exit(1);
}
