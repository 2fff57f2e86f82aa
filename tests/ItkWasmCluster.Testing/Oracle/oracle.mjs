// The oracle: runs ITK-Wasm's npm packages directly, the way a Node.js user would, and writes each result as
// .iwi.cbor / .iwm.cbor with the packages' own writers, for the C# tests to compare against.
// Usage: node oracle.mjs JOBS.json, where JOBS.json is a list of
//   {"op": "read-image", "input": PATH, "output": PATH.iwi.cbor}
//   {"op": "read-mesh", "input": PATH, "output": PATH.iwm.cbor}
//   {"op": "downsample", "input": PATH, "output": PATH.iwi.cbor, "shrinkFactors": [..]}
//   {"op": "downsample-each", "inputs": [PATH..], "outputs": [PATH.iwi.cbor..], "factor": 2, "report": PATH.json,
//    "indexGrid": BOOL}
//        (each input downsampled by factor along every axis; report lists which failed and why; with indexGrid, the
//        pixels are those of the input downsampled on the index grid (origin 0, spacing 1, identity direction), the
//        geometry that of the input's own)
//   {"op": "read-transform", "input": PATH.h5, "output": PATH.json}            (the TransformList as JSON)
//   {"op": "read-point-set", "input": PATH.vtk, "output": PATH.json}           (the PointSet as JSON)
//   {"op": "mesh-to-poly-data", "input": PATH, "output": PATH.json, "mesh": PATH.iwm.cbor}
//        (the PolyData as JSON, and that PolyData turned back into a mesh)
//   {"op": "vector-magnitude", "input": PATH.iwi.cbor, "output": PATH.iwi.cbor}
//   {"op": "compare-double-images", "input": PATH.iwi.cbor, "baselines": [PATH.iwi.cbor..], "differenceThreshold": N,
//    "metrics": PATH.json, "difference": PATH.iwi.cbor, "differenceUchar": PATH.iwi.cbor}
import fs from 'node:fs';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { readMeshNode, writeMeshNode } from '@itk-wasm/mesh-io';
import { downsampleNode } from '@itk-wasm/downsample';
import { hdf5ReadTransformNode } from '@itk-wasm/transform-io';
import { vtkPolyDataReadPointSetNode } from '@itk-wasm/mesh-io';
import { meshToPolyDataNode, polyDataToMeshNode } from '@itk-wasm/mesh-to-poly-data';
import { vectorMagnitudeNode, compareDoubleImagesNode } from '@itk-wasm/compare-images';

// Typed arrays become plain arrays, so the C# side can compare values.
const plain = (value) => JSON.stringify(value, (key, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));

const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const job of jobs) {
  if (job.op === 'read-image') {
    await writeImageNode(await readImageNode(job.input), job.output);
  } else if (job.op === 'read-mesh') {
    await writeMeshNode(await readMeshNode(job.input), job.output);
  } else if (job.op === 'downsample') {
    const { downsampled } = await downsampleNode(await readImageNode(job.input), { shrinkFactors: job.shrinkFactors });
    await writeImageNode(downsampled, job.output);
  } else if (job.op === 'downsample-each') {
    const report = [];
    for (let i = 0; i < job.inputs.length; i++) {
      try {
        const image = await readImageNode(job.inputs[i]);
        const shrinkFactors = image.size.map(() => job.factor);
        const { downsampled } = await downsampleNode(image, { shrinkFactors });
        if (job.indexGrid) {
          const onGrid = await readImageNode(job.inputs[i]);
          const d = onGrid.imageType.dimension;
          onGrid.origin = onGrid.origin.map(() => 0);
          onGrid.spacing = onGrid.spacing.map(() => 1);
          onGrid.direction = new Float64Array(d * d).map((_, k) => (k % (d + 1) === 0 ? 1 : 0));
          downsampled.data = (await downsampleNode(onGrid, { shrinkFactors })).downsampled.data;
        }
        await writeImageNode(downsampled, job.outputs[i]);
        report.push({ input: job.inputs[i], ok: true });
      } catch (e) {
        report.push({ input: job.inputs[i], ok: false, error: String(e?.message ?? e) });
      }
    }
    fs.writeFileSync(job.report, JSON.stringify(report));
  } else if (job.op === 'read-transform') {
    const { couldRead, transform } = await hdf5ReadTransformNode(job.input);
    if (!couldRead) throw new Error(`cannot read ${job.input}`);
    fs.writeFileSync(job.output, plain(transform));
  } else if (job.op === 'read-point-set') {
    fs.writeFileSync(job.output, plain((await vtkPolyDataReadPointSetNode(job.input)).pointSet));
  } else if (job.op === 'mesh-to-poly-data') {
    const { polyData } = await meshToPolyDataNode(await readMeshNode(job.input));
    fs.writeFileSync(job.output, plain(polyData));
    await writeMeshNode((await polyDataToMeshNode(polyData)).mesh, job.mesh);
  } else if (job.op === 'vector-magnitude') {
    await writeImageNode((await vectorMagnitudeNode(await readImageNode(job.input))).magnitudeImage, job.output);
  } else if (job.op === 'compare-double-images') {
    const baselineImages = await Promise.all(job.baselines.map((b) => readImageNode(b)));
    const result = await compareDoubleImagesNode(await readImageNode(job.input), { baselineImages, differenceThreshold: job.differenceThreshold });
    fs.writeFileSync(job.metrics, JSON.stringify(result.metrics));
    await writeImageNode(result.differenceImage, job.difference);
    await writeImageNode(result.differenceUchar2dImage, job.differenceUchar);
  } else {
    throw new Error(`unknown op ${job.op}`);
  }
}
