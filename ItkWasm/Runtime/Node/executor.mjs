// ItkWasm pipeline executor: a long-lived Node.js process owned by a .NET NodeWasmRuntime.
//
// It runs ITK-Wasm pipelines, one at a time, on V8: the Emscripten builds that the @itk-wasm/* npm packages ship,
// through their own JS glue (WASI builds run in the .NET process on Wasmtime instead). Each module is compiled once
// per process and cached by the key the host sends; every run gets a fresh instance (ITKWASM-SPEC §1.3, §1.10).
//
// Protocol, on stdin (requests) and stdout (responses), one frame per message:
//   u32 little-endian header length | header (UTF-8 JSON) | raw blobs, in the order the header lists them.
// Bulk data (pixels, points, cells, parameters, stream bytes) travels only as raw blobs, read straight into and
// written straight out of wasm linear memory. Nothing else may write to stdout: console output is discarded, and the
// executor's own diagnostics go to stderr.
//
// Usage: node executor.mjs NODE_MODULES_DIR

import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const nodeModules = process.argv[2];
const addressPrefix = 'data:application/vnd.itk.address,0:';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
const pause = new Int32Array(new SharedArrayBuffer(4));

for (const method of ['log', 'info', 'debug', 'warn', 'error', 'trace']) {
  console[method] = () => {};
}

function diagnostic(message) {
  fs.writeSync(2, `itkwasm executor: ${message}\n`);
}

// Exit when the .NET host goes away, even while a module spins in an infinite loop on the main thread.
const hostPid = process.ppid;
new Worker(`setInterval(() => { if (process.ppid !== ${hostPid}) process.kill(${process.pid}, 'SIGKILL'); }, 250);`, { eval: true }).unref();

// ---------------------------------------------------------------------------------------------------------------
// Framed, synchronous I/O on the protocol pipes.

function readExactly(target) {
  let done = 0;
  while (done < target.length) {
    let n;
    try {
      n = fs.readSync(0, target, done, target.length - done, null);
    } catch (e) {
      if (e.code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; }
      if (e.code === 'EOF') return false;
      throw e;
    }
    if (n === 0) {
      if (done === 0) return false;
      throw new Error('the host closed the request stream mid-frame');
    }
    done += n;
  }
  return true;
}

function writeAll(bytes) {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += fs.writeSync(1, bytes, done, bytes.length - done);
    } catch (e) {
      if (e.code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; }
      throw e;
    }
  }
}

function readHeader() {
  const length = Buffer.alloc(4);
  if (!readExactly(length)) return null;
  const header = Buffer.alloc(length.readUInt32LE(0));
  if (!readExactly(header)) throw new Error('the host closed the request stream mid-frame');
  return JSON.parse(header.toString('utf8'));
}

function writeFrame(header, blobs) {
  header.blobs = blobs.map((b) => b.length);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  writeAll(length);
  writeAll(json);
  for (const blob of blobs) writeAll(blob);
}

// The request's blobs, consumed in order: read into wasm memory, or skipped when a run fails early.
class BlobReader {
  constructor(lengths) { this.lengths = lengths; this.next = 0; }
  take(target) {
    if (target.length !== this.lengths[this.next]) throw new Error(`blob ${this.next}: expected ${this.lengths[this.next]} bytes, target has ${target.length}`);
    this.next += 1;
    if (target.length > 0) readExactly(target);
  }
  drain() {
    const chunk = Buffer.alloc(1 << 20);
    while (this.next < this.lengths.length) {
      let left = this.lengths[this.next++];
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        readExactly(chunk.subarray(0, n));
        left -= n;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Module cache: compiled once per key, with the memory cap written into the module's memory limits.

const compiled = new Map();
const glues = new Map();

function patchMemoryMaximum(bytes, maximumPages) {
  // Wasm binary format: magic, version, then sections (id byte, LEB128 size, content). The memory section (id 5)
  // holds limits: flags 0x00 (min) or 0x01 (min, max), LEB128 values. Shared and 64-bit memories are left alone.
  const readLeb = (at) => { let value = 0, shift = 0, b; do { b = bytes[at++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return [value, at]; };
  const leb = (value) => { const out = []; do { let b = value % 128; value = Math.floor(value / 128); if (value > 0) b |= 0x80; out.push(b); } while (value > 0); return out; };
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, contentStart] = readLeb(at + 1);
    const end = contentStart + size;
    if (id === 5) {
      let [count, p] = readLeb(contentStart);
      const content = [...leb(count)];
      for (let i = 0; i < count; i++) {
        const flags = bytes[p++];
        if (flags > 1) return { bytes, capped: false };
        let min, max;
        [min, p] = readLeb(p);
        if (flags === 1) [max, p] = readLeb(p);
        if (min > maximumPages) throw new ItkWasmError('out-of-memory', `the module's initial memory (${min} pages) exceeds the memory limit (${maximumPages} pages of 64 KiB)`);
        content.push(1, ...leb(min), ...leb(Math.min(max ?? maximumPages, maximumPages)));
      }
      const section = [5, ...leb(content.length), ...content];
      const patched = new Uint8Array(at + section.length + bytes.length - end);
      patched.set(bytes.subarray(0, at), 0);
      patched.set(section, at);
      patched.set(bytes.subarray(end), at + section.length);
      return { bytes: patched, capped: true };
    }
    at = end;
  }
  return { bytes, capped: false };
}

async function zstdDecode(bytes) {
  if (!zstdDecode.decoder) {
    const { ZSTDDecoder } = await import(pathToFileURL(path.join(nodeModules, '@thewtex/zstddec/dist/zstddec.modern.js')).href);
    zstdDecode.decoder = new ZSTDDecoder();
    await zstdDecode.decoder.init();
  }
  return zstdDecode.decoder.decode(bytes);
}

async function getModule(spec, memoryPages) {
  const key = `${spec.key}|${memoryPages}`;
  if (compiled.has(key)) return { module: compiled.get(key), compileMs: 0 };
  const started = performance.now();
  let bytes;
  try {
    bytes = await zstdDecode(new Uint8Array(fs.readFileSync(`${spec.path}.wasm.zst`)));
  } catch (e) {
    throw new ItkWasmError('invalid-module', `cannot read the module: ${e.message}`);
  }
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new ItkWasmError('invalid-module', 'not a WebAssembly module (the file does not start with \\0asm)');
  }
  let module;
  try {
    module = new WebAssembly.Module(patchMemoryMaximum(bytes, memoryPages).bytes);
  } catch (e) {
    if (e instanceof ItkWasmError) throw e;
    throw new ItkWasmError('invalid-module', `the module does not compile: ${e.message}`);
  }
  compiled.set(key, module);
  return { module, compileMs: performance.now() - started };
}

class ItkWasmError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

// ---------------------------------------------------------------------------------------------------------------
// Instances: an adapter over the Emscripten module's ITK-Wasm I/O exports (ITKWASM-SPEC §1.2).

// While a module's code runs, the host file system is read-only to it but for the output files the request names:
// every way Emscripten's NODEFS changes the host goes through these node:fs calls, so they refuse with EACCES (which
// the module sees as a failed open or write) anything else. The executor's own frames are written by descriptor.
const writeFlags = fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND;
const changingCalls = ['mkdirSync', 'rmdirSync', 'rmSync', 'unlinkSync', 'renameSync', 'symlinkSync', 'linkSync', 'chmodSync', 'lchmodSync',
  'chownSync', 'lchownSync', 'truncateSync', 'utimesSync', 'lutimesSync', 'writeFileSync', 'appendFileSync', 'copyFileSync', 'cpSync', 'mkdtempSync'];
const unguarded = Object.fromEntries(['openSync', ...changingCalls].filter((name) => name in fs).map((name) => [name, fs[name]]));

function denied(call, target) {
  return Object.assign(new Error(`EACCES: permission denied, ${call} '${target}' (a pipeline writes only its declared output files)`), { code: 'EACCES', errno: -13 });
}

function guardHostFiles(outputFiles) {
  const allowed = new Set((outputFiles ?? []).map((file) => path.resolve(file)));
  const isAllowed = (target) => typeof target === 'string' && allowed.has(path.resolve(target));
  fs.openSync = (target, flags = 'r', mode) => {
    const writes = typeof flags === 'number' ? (flags & writeFlags) !== 0 : !/^(r|rs|sr)$/.test(String(flags));
    if (writes && !isAllowed(target)) throw denied('open', target);
    return unguarded.openSync(target, flags, mode);
  };
  for (const name of changingCalls) {
    if (!(name in unguarded)) continue;
    fs[name] = (target, ...rest) => {
      const onlyOutputs = ['unlinkSync', 'truncateSync', 'utimesSync', 'chmodSync', 'writeFileSync'].includes(name);
      if (!(onlyOutputs && isAllowed(target))) throw denied(name.replace(/Sync$/, ''), target);
      return unguarded[name](target, ...rest);
    };
  }
  syncBuiltinESMExports();
}

function unguardHostFiles() {
  Object.assign(fs, unguarded);
  syncBuiltinESMExports();
}

async function emscriptenInstance(module, request) {
  const gluePath = `${request.module.path}.js`;
  if (!glues.has(gluePath)) glues.set(gluePath, (await import(pathToFileURL(gluePath).href)).default);
  const factory = glues.get(gluePath);
  const m = await factory({
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(module, imports);
      receive(instance, module);
      return instance.exports;
    },
  });
  const mounted = (request.mountDirs ?? []).map((dir) => m.mountDir(dir));
  m.resetModuleStdout();
  m.resetModuleStderr();
  const limit = (text) => (text.length > request.captureLimitBytes ? `${text.slice(0, request.captureLimitBytes)}\n[output truncated]` : text);
  return {
    heap: () => m.HEAPU8,
    inputArray: (index, sub, size) => m._itk_wasm_input_array_alloc(0, index, sub, size) >>> 0,
    inputJson: (index, size) => m._itk_wasm_input_json_alloc(0, index, size) >>> 0,
    outputJson: (index) => [m._itk_wasm_output_json_address(0, index) >>> 0, m._itk_wasm_output_json_size(0, index) >>> 0],
    outputArray: (index, sub) => [m._itk_wasm_output_array_address(0, index, sub) >>> 0, m._itk_wasm_output_array_size(0, index, sub) >>> 0],
    run() {
      const stack = m.stackSave();
      try {
        return m.callMain(request.args.slice());
      } finally {
        m.stackRestore(stack);
      }
    },
    finish() {
      for (const dir of mounted) { try { m.unmountDir(dir); } catch { /* the instance is discarded anyway */ } }
    },
    stdout: () => limit(m.getModuleStdout() ?? ''),
    stderr: () => limit(m.getModuleStderr() ?? ''),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Interface types in and out of linear memory (ITKWASM-SPEC §1.6, §1.7).

const address = (pointer) => `${addressPrefix}${pointer}`;

function writeInputArray(instance, blobs, index, sub, length) {
  if (length === null || length === undefined) return 0;
  const pointer = instance.inputArray(index, sub, length);
  blobs.take(instance.heap().subarray(pointer, pointer + length)); // zero-length blobs still take their turn
  return pointer;
}

function writeInputJson(instance, index, value) {
  const bytes = encoder.encode(JSON.stringify(value));
  const pointer = instance.inputJson(index, bytes.length + 1);
  const heap = instance.heap();
  heap.set(bytes, pointer);
  heap[pointer + bytes.length] = 0;
}

function writeInput(instance, blobs, input, index) {
  const a = input.arrays ?? [];
  const put = (sub) => writeInputArray(instance, blobs, index, sub, a[sub]);
  const json = input.json ?? {};
  switch (input.type) {
    case 'TextFile': case 'BinaryFile':
      return;
    case 'TextStream': case 'BinaryStream': case 'JsonCompatible':
      writeInputJson(instance, index, { size: a[0], data: address(put(0)) });
      return;
    case 'Image': {
      const data = put(0); const direction = put(1);
      writeInputJson(instance, index, { ...json, direction: address(direction), data: address(data) });
      return;
    }
    case 'Mesh': {
      const [points, cells, pointData, cellData] = [0, 1, 2, 3].map(put);
      writeInputJson(instance, index, { ...json, points: address(points), cells: address(cells), pointData: address(pointData), cellData: address(cellData) });
      return;
    }
    case 'PointSet': {
      const [points, pointData] = [0, 1].map(put);
      writeInputJson(instance, index, { ...json, points: address(points), pointData: address(pointData) });
      return;
    }
    case 'PolyData': {
      const p = [0, 1, 2, 3, 4, 5, 6].map(put);
      writeInputJson(instance, index, {
        ...json, points: address(p[0]), vertices: address(p[1]), lines: address(p[2]), polygons: address(p[3]),
        triangleStrips: address(p[4]), pointData: address(p[5]), cellData: address(p[6]),
      });
      return;
    }
    case 'TransformList': {
      let sub = 0;
      const list = json.map((t) => {
        if (t.transformType.transformParameterization === 'Composite') return { ...t, fixedParameters: '', parameters: '' };
        const fixed = put(sub++); const parameters = put(sub++);
        return { ...t, fixedParameters: address(fixed), parameters: address(parameters) };
      });
      writeInputJson(instance, index, list);
      return;
    }
    default:
      throw new ItkWasmError('invalid-request', `unsupported input type ${input.type}`);
  }
}

const arraysOf = {
  Image: (json) => [true, true],
  Mesh: (json) => [json.numberOfPoints > 0, json.numberOfCells > 0, json.numberOfPointPixels > 0, json.numberOfCellPixels > 0],
  PointSet: (json) => [json.numberOfPoints > 0, json.numberOfPointPixels > 0],
  PolyData: (json) => [json.numberOfPoints > 0, json.verticesBufferSize > 0, json.linesBufferSize > 0, json.polygonsBufferSize > 0,
    json.triangleStripsBufferSize > 0, json.numberOfPointPixels > 0, json.numberOfCellPixels > 0],
  TransformList: (json) => json.flatMap((t) => (t.transformType.transformParameterization === 'Composite' ? [] : [t.numberOfFixedParameters > 0, t.numberOfParameters > 0])),
};

function readOutput(instance, output, index) {
  const heap = instance.heap();
  const view = ([pointer, size]) => heap.subarray(pointer, pointer + size);
  switch (output.type) {
    case 'TextFile': case 'BinaryFile':
      return { type: output.type, arrays: [], blobs: [] };
    case 'TextStream': case 'BinaryStream': case 'JsonCompatible':
      return { type: output.type, arrays: [0], blobs: [view(instance.outputArray(index, 0))] };
    default: {
      if (!(output.type in arraysOf)) throw new ItkWasmError('invalid-request', `unsupported output type ${output.type}`);
      const json = JSON.parse(decoder.decode(view(instance.outputJson(index))));
      const present = arraysOf[output.type](json);
      const blobs = present.map((isPresent, sub) => (isPresent ? view(instance.outputArray(index, sub)) : new Uint8Array(0)));
      return { type: output.type, json, arrays: present.map((_, sub) => sub), blobs };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One run.

async function run(request) {
  const blobs = new BlobReader(request.blobs ?? []);
  const timings = {};
  let instance = null;
  try {
    const memoryPages = Math.floor(request.memoryLimitBytes / 65536);
    const { module, compileMs } = await getModule(request.module, memoryPages);
    timings.compileMs = compileMs;
    let started = performance.now();
    guardHostFiles(request.outputFiles);
    instance = await emscriptenInstance(module, request);
    timings.instantiateMs = performance.now() - started;

    started = performance.now();
    request.inputs.forEach((input, index) => writeInput(instance, blobs, input, index));
    timings.inputMs = performance.now() - started;

    started = performance.now();
    const returnCode = instance.run();
    timings.computeMs = performance.now() - started;

    started = performance.now();
    const outputs = returnCode === 0 ? request.outputs.map((output, index) => readOutput(instance, output, index)) : [];
    timings.outputMs = performance.now() - started;
    const header = {
      ok: true, returnCode, stdout: instance.stdout(), stderr: instance.stderr(), timings,
      outputs: outputs.map(({ type, json, arrays }) => ({ type, json, arrays: arrays.length })),
    };
    unguardHostFiles();
    writeFrame(header, outputs.flatMap((o) => o.blobs));
    // The outputs are views into the heap: write them before the instance is finished.
    instance.finish();
  } catch (error) {
    unguardHostFiles();
    blobs.drain();
    const kind = error instanceof ItkWasmError ? error.kind
      : typeof error === 'number' ? 'trap'
      : error instanceof WebAssembly.RuntimeError ? 'trap'
        : error instanceof WebAssembly.LinkError || error instanceof WebAssembly.CompileError ? 'invalid-module' : 'error';
    const stderr = instance?.stderr() ?? '';
    // Emscripten builds throw C++ exceptions as numbers (pointers) or objects without a message.
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message)
      : typeof error === 'number' ? `uncaught C++ exception (${error})` : String(error);
    const outOfMemory = kind === 'trap' && /bad_alloc|Cannot enlarge memory|out of memory|OOM/i.test(stderr + message);
    writeFrame({
      ok: false, kind: outOfMemory ? 'out-of-memory' : kind, message,
      stdout: instance?.stdout() ?? '', stderr, timings,
    }, []);
  }
}

while (true) {
  const request = readHeader();
  if (request === null) break;
  if (request.op === 'run') {
    await run(request);
  } else {
    diagnostic(`unknown request ${request.op}`);
    writeFrame({ ok: false, kind: 'invalid-request', message: `unknown op ${request.op}` }, []);
  }
}
process.exit(0);
