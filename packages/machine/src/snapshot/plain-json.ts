/**
 * JSON for component snapshots ("plain data": JSON values plus bigints and typed arrays), lossless
 * both ways. Bigints become {"$bigint":"<decimal>"}, typed arrays {"$bytes":"<base64>","$type":NAME}
 * (little-endian contents), `undefined` object members are dropped as JSON does.
 */
const TYPED_ARRAYS = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigUint64Array,
  BigInt64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function isTypedArrayName(name: unknown): name is TypedArrayName {
  return typeof name === 'string' && Object.hasOwn(TYPED_ARRAYS, name);
}

export function toPlainJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, _key: string, v: unknown): unknown {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name;
      if (!isTypedArrayName(name)) throw new TypeError(`cannot encode a ${name} in a snapshot`);
      return { $type: name, $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    }
    return v;
  });
}

/** Parse what toPlainJson wrote. Throws SyntaxError (or TypeError for a bad tag) on malformed input. */
export function fromPlainJson(text: string): unknown {
  return JSON.parse(text, (_key: string, v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    if (typeof o.$bytes === 'string') {
      if (!isTypedArrayName(o.$type)) throw new TypeError(`unknown typed array ${String(o.$type)}`);
      const raw = Buffer.from(o.$bytes, 'base64');
      const Ctor = TYPED_ARRAYS[o.$type];
      const copy = new Uint8Array(raw.length);
      copy.set(raw);
      if (copy.length % Ctor.BYTES_PER_ELEMENT !== 0) throw new TypeError(`${o.$type} of ${copy.length} bytes`);
      return new Ctor(copy.buffer, 0, copy.length / Ctor.BYTES_PER_ELEMENT);
    }
    return v;
  });
}
