// Writes a test OME-Zarr image with independent code: zarrita (Zarr v3 arrays), numcodecs (v2 chunks and shards'
// inner chunks), and checks what it wrote by reading it back with zarrita. Used by the project's OME-Zarr tests only.
//
//   node write.mjs ROOT '{"zarr":3,"dtype":"uint16","shape":[5,6,7],"chunks":[2,3,4],"codec":"zstd",
//                         "shard":[4,6,8],"axes":["z","y","x"],"scale":[2,1,0.5],"translation":[3,-1,0]}'
//
// Values: element i (C order) is (7 i + 3) mod 2^bits for integers, i / 4 - 9 for floats.
// Codecs: none, zstd, gzip (v2 only: zarrita does not encode it), zlib (v2), blosc-lz4, blosc-zstd.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";

const [root, json] = process.argv.slice(2);
const spec = JSON.parse(json);
const Typed = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array }[spec.dtype];
const count = spec.shape.reduce((p, n) => p * n, 1);
const data = new Typed(count);
for (let i = 0; i < count; i++) data[i] = spec.dtype.startsWith("float") ? i / 4 - 9 : (7 * i + 3) % 2 ** (8 * Typed.BYTES_PER_ELEMENT);
const strides = spec.shape.map((_, a) => spec.shape.slice(a + 1).reduce((p, n) => p * n, 1));

async function numcodec(codec) {
  switch (codec) {
    case "zstd": return (await import("numcodecs/zstd")).default.fromConfig({ level: 3 });
    case "gzip": return (await import("numcodecs/gzip")).default.fromConfig({ level: 5 });
    case "zlib": return (await import("numcodecs/zlib")).default.fromConfig({ level: 5 });
    case "blosc-lz4": return (await import("numcodecs/blosc")).default.fromConfig({ cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
    case "blosc-zstd": return (await import("numcodecs/blosc")).default.fromConfig({ cname: "zstd", clevel: 5, shuffle: 2, blocksize: 0 });
    default: return null;
  }
}

function v3Codecs(codec) {
  const bytes = { name: "bytes", configuration: { endian: "little" } };
  switch (codec) {
    case "none": return [bytes];
    case "zstd": return [bytes, { name: "zstd", configuration: { level: 3, checksum: false } }];
    case "blosc-lz4": return [bytes, { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: Typed.BYTES_PER_ELEMENT, blocksize: 0 } }];
    case "blosc-zstd": return [bytes, { name: "blosc", configuration: { cname: "zstd", clevel: 5, shuffle: "bitshuffle", typesize: Typed.BYTES_PER_ELEMENT, blocksize: 0 } }];
    default: throw new Error(`no v3 codec ${codec}`);
  }
}

// The values of the chunk at `index` of shape `chunk`, padded with 0 past the array's edge.
function chunkValues(index, chunk) {
  const values = new Typed(chunk.reduce((p, n) => p * n, 1));
  const at = chunk.map(() => 0);
  for (let k = 0; k < values.length; k++) {
    let rest = k, inside = true, source = 0;
    for (let a = chunk.length - 1; a >= 0; a--) { at[a] = rest % chunk[a]; rest = Math.floor(rest / chunk[a]); }
    for (let a = 0; a < chunk.length; a++) { const p = index[a] * chunk[a] + at[a]; if (p >= spec.shape[a]) inside = false; source += p * strides[a]; }
    values[k] = inside ? data[source] : 0;
  }
  return new Uint8Array(values.buffer);
}

function* grid(counts) {
  const at = counts.map(() => 0);
  if (counts.some((n) => n === 0)) return;
  while (true) {
    yield [...at];
    let a = counts.length - 1;
    while (a >= 0 && ++at[a] === counts[a]) at[a--] = 0;
    if (a < 0) return;
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32c = (bytes) => { let c = 0xffffffff; for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };

const axes = spec.axes.map((name) => ({ name, type: name === "c" ? "channel" : name === "t" ? "time" : "space", ...(spec.unit && "xyz".includes(name) ? { unit: spec.unit } : {}) }));
const multiscale = { axes, datasets: [{ path: "0", coordinateTransformations: [{ type: "scale", scale: spec.scale }, { type: "translation", translation: spec.translation }] }] };
fs.rmSync(root, { recursive: true, force: true });
fs.mkdirSync(path.join(root, "0"), { recursive: true });
const store = new FileSystemStore(root);

if (spec.zarr === 2) {
  fs.writeFileSync(path.join(root, ".zgroup"), JSON.stringify({ zarr_format: 2 }));
  fs.writeFileSync(path.join(root, ".zattrs"), JSON.stringify({ multiscales: [{ version: "0.4", ...multiscale }] }));
  const codec = await numcodec(spec.codec);
  const dtype = { int8: "|i1", uint8: "|u1", int16: "<i2", uint16: "<u2", int32: "<i4", uint32: "<u4", float32: "<f4", float64: "<f8" }[spec.dtype];
  const compressor = !codec ? null
    : spec.codec === "blosc-lz4" ? { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }
    : spec.codec === "blosc-zstd" ? { id: "blosc", cname: "zstd", clevel: 5, shuffle: 2, blocksize: 0 }
    : { id: spec.codec, level: spec.codec === "zstd" ? 3 : 5 };
  const meta = { zarr_format: 2, shape: spec.shape, chunks: spec.chunks, dtype, compressor, fill_value: 0, order: "C", filters: null, dimension_separator: spec.separator ?? "/" };
  fs.writeFileSync(path.join(root, "0", ".zarray"), JSON.stringify(meta));
  for (const index of grid(spec.shape.map((n, a) => Math.ceil(n / spec.chunks[a])))) {
    const raw = chunkValues(index, spec.chunks);
    const file = path.join(root, "0", index.join(spec.separator ?? "/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, codec ? await codec.encode(raw) : raw);
  }
} else {
  await zarr.create(zarr.root(store), { attributes: { ome: { version: "0.5", multiscales: [multiscale] } } });
  if (!spec.shard) {
    const array = await zarr.create(zarr.root(store).resolve("0"), { shape: spec.shape, chunkShape: spec.chunks, dtype: spec.dtype, codecs: v3Codecs(spec.codec), fillValue: 0 });
    await zarr.set(array, null, { data, shape: spec.shape, stride: strides });
  } else {
    // zarrita reads shards but does not write them: each shard is its inner chunks, encoded by numcodecs, then the
    // index (offset, length per inner chunk, little-endian u64) and its crc32c.
    await zarr.create(zarr.root(store).resolve("0"), {
      shape: spec.shape, chunkShape: spec.shard, dtype: spec.dtype, fillValue: 0,
      codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: spec.chunks, codecs: v3Codecs(spec.codec), index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }], index_location: "end" } }],
    });
    const codec = await numcodec(spec.codec);
    const per = spec.shard.map((n, a) => n / spec.chunks[a]);
    const empty = [];
    for (const shard of grid(spec.shape.map((n, a) => Math.ceil(n / spec.shard[a])))) {
      const parts = [];
      const index = new BigUint64Array(2 * per.reduce((p, n) => p * n, 1));
      let offset = 0, k = 0;
      for (const inner of grid(per)) {
        const at = inner.map((i, a) => shard[a] * per[a] + i);
        if (at.some((p, a) => p * spec.chunks[a] >= spec.shape[a]) || k % 5 === 3) {
          index[2 * k] = index[2 * k + 1] = 0xffffffffffffffffn; // empty: past the edge, and every fifth (the fill value)
          empty.push(at);
        } else {
          const raw = chunkValues(at, spec.chunks);
          const encoded = codec ? await codec.encode(raw) : raw;
          index[2 * k] = BigInt(offset); index[2 * k + 1] = BigInt(encoded.length);
          parts.push(encoded); offset += encoded.length;
        }
        k++;
      }
      const indexBytes = new Uint8Array(index.buffer);
      const crc = new Uint8Array(4); new DataView(crc.buffer).setUint32(0, crc32c(indexBytes), true);
      const file = path.join(root, "0", "c", ...shard.map(String));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, Buffer.concat([...parts, indexBytes, crc]));
    }

    for (let i = 0; i < count; i++) {
      if (empty.some((at) => at.every((c, a) => Math.floor(Math.floor(i / strides[a]) % spec.shape[a] / spec.chunks[a]) === c))) data[i] = 0;
    }
  }
}

// The check: zarrita reads back what was written (empty inner chunks read as the fill value, 0). What it reads is the
// reference the tests compare with, in ROOT.raw (C order, little-endian).
const opened = await zarr.open(zarr.root(store).resolve("0"), { kind: "array" });
const back = (await zarr.get(opened)).data;
let differ = 0;
for (let i = 0; i < count; i++) if (back[i] !== data[i]) differ++;
if (differ > 0) { console.error(`zarrita reads ${differ} values other than those written`); process.exit(1); }
fs.writeFileSync(`${root}.raw`, new Uint8Array(back.buffer, back.byteOffset, back.byteLength));
console.log(JSON.stringify({ written: root }));
