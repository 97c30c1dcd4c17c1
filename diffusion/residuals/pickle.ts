/**
 * Just enough of Python's pickle format (protocols 2-4, Lib/pickletools.py documents each opcode) to read the
 * `data.pkl` of a PyTorch archive holding a bare tensor. The pickle is evaluated SYMBOLICALLY: GLOBAL yields a name,
 * REDUCE yields a record of the call, BINPERSID a record of the persistent id. Nothing is imported or executed, and
 * any opcode outside this subset is rejected with E_RESIDUAL_FORMAT.
 */
import { ModelError } from '../errors';
import { RESIDUAL_CODES } from './codes';

export type PickleValue =
  | null
  | boolean
  | number
  | string
  | { readonly kind: 'tuple'; readonly items: PickleValue[] }
  | { readonly kind: 'list'; readonly items: PickleValue[] }
  | { readonly kind: 'dict'; readonly entries: Array<[PickleValue, PickleValue]> }
  | { readonly kind: 'global'; readonly module: string; readonly name: string }
  | { readonly kind: 'call'; readonly fn: PickleValue; readonly args: PickleValue }
  | { readonly kind: 'persid'; readonly id: PickleValue }
  | { readonly kind: 'build'; readonly object: PickleValue; readonly state: PickleValue };

/** A residual's data.pkl is ~160 bytes and ~40 opcodes; anything far larger is not a bare tensor. */
const MAX_OPCODES = 100_000;
const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

export function unpickle(bytes: Uint8Array, source: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string) => new ModelError(RESIDUAL_CODES.corrupt, `Expected a complete pickle in ${source} but ${what}.`, {
    hint: 'The file is truncated or damaged.',
  });
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;
  const need = (length: number) => {
    if (length < 0) throw corrupt(`byte ${at} declares a negative length`);
    if (at + length > bytes.length) throw corrupt(`it ends at byte ${bytes.length} inside an opcode argument`);
    const start = at;
    at += length;
    return start;
  };
  const text = (n: number) => new TextDecoder().decode(bytes.subarray(need(n), at));
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw corrupt('a GLOBAL name has no line end');
    const s = new TextDecoder().decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw corrupt(`byte ${at} pops an empty stack or a mark`);
    return v;
  };
  const popToMark = (): PickleValue[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) throw corrupt(`byte ${at} has no matching MARK`);
    return stack.splice(k).slice(1) as PickleValue[];
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt(`byte ${at} needs a value on the stack`);
    return v;
  };
  const get = (key: number) => {
    if (!memo.has(key)) throw corrupt(`memo key ${key} is read before it is written`);
    return memo.get(key) as PickleValue;
  };

  for (let ops = 0; ops < MAX_OPCODES; ops++) {
    if (at >= bytes.length) throw corrupt('it has no STOP opcode');
    const op = bytes[at++];
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME (framing is only a read-ahead hint)
      case 0x2e: { // STOP
        const result = pop();
        return result;
      }
      case 0x28: stack.push(MARK); break; // MARK
      case 0x63: { const module = line(); stack.push({ kind: 'global', module, name: line() }); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); // STACK_GLOBAL
        if (typeof name !== 'string' || typeof module !== 'string') throw corrupt('STACK_GLOBAL names are not strings');
        stack.push({ kind: 'global', module, name }); break; }
      case 0x71: memo.set(bytes[need(1)], top()); break; // BINPUT
      case 0x72: memo.set(view.getUint32(need(4), true), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(get(bytes[need(1)])); break; // BINGET
      case 0x6a: stack.push(get(view.getUint32(need(4), true))); break; // LONG_BINGET
      case 0x58: stack.push(text(view.getUint32(need(4), true))); break; // BINUNICODE
      case 0x8c: stack.push(text(bytes[need(1)])); break; // SHORT_BINUNICODE
      case 0x55: stack.push(text(bytes[need(1)])); break; // SHORT_BINSTRING
      case 0x54: stack.push(text(view.getInt32(need(4), true))); break; // BINSTRING
      case 0x4b: stack.push(bytes[need(1)]); break; // BININT1
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x8a: stack.push(long1(bytes.subarray(need(bytes[need(1)]), at), corrupt)); break; // LONG1
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x29: stack.push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
      case 0x74: stack.push({ kind: 'tuple', items: popToMark() }); break; // TUPLE
      case 0x85: case 0x86: case 0x87: { // TUPLE1..3
        const items = Array.from({ length: op - 0x84 }, pop).reverse();
        stack.push({ kind: 'tuple', items }); break; }
      case 0x5d: stack.push({ kind: 'list', items: [] }); break; // EMPTY_LIST
      case 0x61: { const v = pop(); listOf(top(), corrupt).push(v); break; } // APPEND
      case 0x65: { const vs = popToMark(); listOf(top(), corrupt).push(...vs); break; } // APPENDS
      case 0x7d: stack.push({ kind: 'dict', entries: [] }); break; // EMPTY_DICT
      case 0x73: { const v = pop(); const k = pop(); dictOf(top(), corrupt).push([k, v]); break; } // SETITEM
      case 0x75: { const kv = popToMark(); const d = dictOf(top(), corrupt); // SETITEMS
        for (let i = 0; i + 1 < kv.length; i += 2) d.push([kv[i], kv[i + 1]]); break; }
      case 0x51: stack.push({ kind: 'persid', id: pop() }); break; // BINPERSID
      case 0x52: { const args = pop(); const fn = pop(); stack.push({ kind: 'call', fn, args }); break; } // REDUCE
      case 0x62: { const state = pop(); const object = pop(); stack.push({ kind: 'build', object, state }); break; } // BUILD
      default:
        throw new ModelError(RESIDUAL_CODES.format, `Expected a pickled bare tensor in ${source} ` +
          `but byte ${at - 1} holds pickle opcode 0x${op.toString(16).padStart(2, '0')}, which this reader does not accept.`, {
          hint: 'Save the residual as a plain tensor with torch.save(tensor, path), or convert it to safetensors.',
        });
    }
  }
  throw corrupt(`it runs past ${MAX_OPCODES} opcodes`);
}

/** Two's-complement little-endian integer of any width (LONG1); residual shapes fit in a double exactly. */
function long1(bytes: Uint8Array, corrupt: (what: string) => ModelError): number {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes.length > 0 && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt(`it holds the integer ${v}, too large for a tensor dimension`);
  }
  return Number(v);
}

function listOf(value: PickleValue, corrupt: (what: string) => ModelError): PickleValue[] {
  if (typeof value === 'object' && value !== null && value.kind === 'list') return value.items;
  throw corrupt('APPEND targets something that is not a list');
}

function dictOf(value: PickleValue, corrupt: (what: string) => ModelError): Array<[PickleValue, PickleValue]> {
  if (typeof value === 'object' && value !== null && value.kind === 'dict') return value.entries;
  throw corrupt('SETITEM targets something that is not a dict');
}
