// Reads the graph a cones-graph PNG carries (diffusion/image/png-text.ts writes it): the text entry with keyword
// "cones-graph", in an iTXt chunk (UTF-8, zlib-deflated when compressed), or tEXt / zTXt for other writers.
// PNG chunk layout (PNG spec 1.2, section 5.3): length (u32 BE) | type (4 ASCII) | data | CRC-32.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const GRAPH_KEYWORD = 'cones-graph';

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Browsers decode the "latin1" label as windows-1252, which agrees with Latin-1 outside 0x80-0x9F (control codes).
const latin1 = (bytes) => new TextDecoder('latin1').decode(bytes);

/** The text of entry `keyword`, or undefined when the PNG has none. Throws on a file that is not a PNG. */
export async function readPngText(buffer, keyword = GRAPH_KEYWORD) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error('Expected a PNG file (signature 89 50 4E 47) but received other bytes.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length;) {
    const len = view.getUint32(at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + len);
    at += 12 + len;
    if (type === 'IEND') break;
    if (type !== 'tEXt' && type !== 'zTXt' && type !== 'iTXt') continue;
    const nul = data.indexOf(0);
    if (nul < 0 || latin1(data.subarray(0, nul)) !== keyword) continue;
    if (type === 'tEXt') return latin1(data.subarray(nul + 1));
    if (type === 'zTXt') return latin1(await inflate(data.subarray(nul + 2)));
    const compressed = data[nul + 1] === 1;
    const langEnd = data.indexOf(0, nul + 3);
    const transEnd = data.indexOf(0, langEnd + 1);
    const body = data.subarray(transEnd + 1);
    return new TextDecoder().decode(compressed ? await inflate(body) : body);
  }
  return undefined;
}

/** The graph file embedded in a PNG made by SaveImage; throws with a message for the user when there is none. */
export async function graphFromPng(buffer) {
  const text = await readPngText(buffer);
  if (text === undefined) {
    throw new Error(`This PNG carries no "${GRAPH_KEYWORD}" text entry: only images saved by cones-graph's SaveImage hold their graph.`);
  }
  return JSON.parse(text);
}
