// Reads an array (level 0 by default) of an OME-Zarr image with zarrita (Zarr v2 or v3), as the OME-Zarr tests' independent
// reader: prints {"shape", "dtype", "attributes"} (the root group's) as JSON and writes the values (C order,
// little-endian) to ROOT.read.raw.
//
//   node read.mjs ROOT [ARRAY]      (ARRAY: the array's path, default 0)
import * as fs from "node:fs";
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";

const [root, path = "0"] = process.argv.slice(2);
const store = new FileSystemStore(root);
const group = await zarr.open(zarr.root(store), { kind: "group" });
const array = await zarr.open(zarr.root(store).resolve(path), { kind: "array" });
const { data } = await zarr.get(array);
fs.writeFileSync(`${root}.read.raw`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
console.log(JSON.stringify({ shape: array.shape, dtype: array.dtype, attributes: group.attrs }));
