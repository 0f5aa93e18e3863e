// png-stats.mjs: is a screenshot blank?  Decodes an 8-bit, non-interlaced
// PNG (what Chromium writes) with node's zlib and prints the share of
// pixels that are not white and the number of distinct colours; exits 1
// when the image is (nearly) blank.
//
//   node test/picture/png-stats.mjs FILE.png
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

const buf = readFileSync(process.argv[2]);
let pos = 8, width, height, depth, ctype, idat = [];
while (pos < buf.length) {
  const len = buf.readUInt32BE(pos), type = buf.toString('ascii', pos + 4, pos + 8);
  const data = buf.subarray(pos + 8, pos + 8 + len);
  if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); depth = data[8]; ctype = data[9]; }
  if (type === 'IDAT') idat.push(data);
  pos += 12 + len;
}
const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[ctype];
if (depth !== 8 || !channels) { console.log(`unsupported PNG (depth ${depth}, colour type ${ctype})`); process.exit(1); }
const raw = inflateSync(Buffer.concat(idat));
const stride = width * channels, px = Buffer.alloc(stride * height);
for (let y = 0; y < height; y++) {
  const f = raw[y * (stride + 1)], src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
  for (let x = 0; x < stride; x++) {
    const a = x >= channels ? px[y * stride + x - channels] : 0;
    const b = y > 0 ? px[(y - 1) * stride + x] : 0;
    const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
    let v = src[x];
    if (f === 1) v += a; else if (f === 2) v += b; else if (f === 3) v += (a + b) >> 1;
    else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
    px[y * stride + x] = v & 255;
  }
}
let nonwhite = 0; const colours = new Set();
for (let i = 0; i < px.length; i += channels) {
  const rgb = channels >= 3 ? (px[i] << 16) | (px[i + 1] << 8) | px[i + 2] : px[i] * 0x10101;
  if (rgb !== 0xffffff) nonwhite++;
  if (colours.size < 100000) colours.add(rgb);
}
const share = nonwhite / (width * height);
console.log(`${process.argv[2]}: ${width}x${height}, ${(100 * share).toFixed(1)}% not white, ${colours.size} colours`);
process.exit(share > 0.02 && colours.size > 16 ? 0 : 1);
