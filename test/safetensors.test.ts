// safetensors: round trips, the file layout, atomic writes, every malformed-file error, and files shared with Python.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, availableDevices, initDevice, load, loadMetadata, nn, save, saveAsync } from "../src/node.js";
import type { SaveOptions } from "../src/io/safetensors.js";
import { FIXTURES, loadTrain } from "./train_helpers.js";
import { saveStress } from "../bench/save-stress.js";

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "dlgrad-st-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header object (or raw header text) and data bytes. */
function file(name: string, header: unknown, dataBytes: number | Buffer = 0, headerLen?: bigint): string {
  const json = Buffer.isBuffer(header) ? header : Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(headerLen ?? BigInt(json.length));
  const body = typeof dataBytes === "number" ? Buffer.alloc(dataBytes) : dataBytes;
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([n, json, body]));
  return p;
}

const f32 = (shape: number[], begin: number) => ({ dtype: "F32", shape, data_offsets: [begin, begin + 4 * shape.reduce((a, b) => a * b, 1)] });

describe("safetensors round trip", () => {
  it("saves and loads float32, int32 and float64 tensors of any shape, sorted by name", () => {
    const sd: Record<string, Tensor> = {
      "z.last": Tensor.from([[1.5, -2], [3, 4e-9]]),
      "a.ints": Tensor.from(new Int32Array([-7, 0, 2147483647]), { shape: [3], dtype: "int32" }),
      scalar: Tensor.from(2.25),
      empty: Tensor.zeros([0, 3]),
      wide: Tensor.from(new Float64Array([Math.PI, -1e300]), { shape: [2], dtype: "float64" }),
      strided: Tensor.arange(6).reshape([2, 3]).transpose(0, 1),
    };
    const p = join(dir, "round.safetensors");
    save(sd, p);
    const back = load(p);
    assert.deepEqual(Object.keys(back), ["a.ints", "empty", "scalar", "strided", "wide", "z.last"]);
    for (const [k, t] of Object.entries(sd)) {
      assert.equal(back[k].dtype, t.dtype, k);
      assert.deepEqual(back[k].shape, t.shape, k);
      assert.deepEqual(back[k].toArray(), t.toArray(), k);
    }
  });

  it("writes the reference layout: u64 length, JSON header padded with spaces to 8, contiguous data", () => {
    const p = join(dir, "layout.safetensors");
    save({ b: Tensor.ones([3]), a: Tensor.from(new Int32Array([5]), { shape: [1], dtype: "int32" }), c: Tensor.zeros([2]) }, p, {
      metadata: { format: "pt" },
    });
    const buf = readFileSync(p);
    const n = Number(buf.readBigUInt64LE(0));
    assert.equal(n % 8, 0);
    const text = buf.subarray(8, 8 + n).toString("utf8");
    assert.match(text, /^\{.*\} *$/);
    const header = JSON.parse(text);
    // F32 before I32 (larger alignment first, like the reference writer), then by name
    assert.deepEqual(header, {
      __metadata__: { format: "pt" },
      b: { dtype: "F32", shape: [3], data_offsets: [0, 12] },
      c: { dtype: "F32", shape: [2], data_offsets: [12, 20] },
      a: { dtype: "I32", shape: [1], data_offsets: [20, 24] },
    });
    assert.equal(buf.length, 8 + n + 24);
    assert.equal(buf.readFloatLE(8 + n), 1);
    assert.equal(buf.readInt32LE(8 + n + 20), 5);
    assert.deepEqual(loadMetadata(p), { format: "pt" });
  });

  it("saves a module's state dict and loads it back into another module", () => {
    const a = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const b = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const p = join(dir, "model.safetensors");
    save(a, p);
    b.loadStateDict(load(p));
    const x = Tensor.randn([5, 3]);
    assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
    assert.deepEqual(loadMetadata(p), {});
  });

  it("writes atomically: no temporary file is left, a failed save leaves the old file intact", () => {
    const p = join(dir, "atomic.safetensors");
    save({ x: Tensor.ones([2]) }, p);
    save({ x: Tensor.full([2], 3) }, p);
    assert.deepEqual(load(p).x.toArray(), [3, 3]);
    const before = readFileSync(p);
    assert.throws(() => save({ x: Tensor.ones([1]), y: "oops" as unknown as Tensor }, p), /"y" is not a Tensor/);
    assert.throws(() => save({ x: Tensor.ones([1]) }, p, { metadata: { n: 1 as unknown as string } }), /metadata value of "n" must be a string/);
    assert.throws(() => save({ __metadata__: Tensor.ones([1]) }, p), /the name "__metadata__" is reserved/);
    assert.deepEqual(readFileSync(p), before);
    assert.throws(() => save({ x: Tensor.ones([1]) }, join(dir, "no-such-dir", "f.safetensors")), /^Error: save: cannot write .*no-such-dir.f\.safetensors: no such file or directory \(ENOENT\)$/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
  });

  it("accepts a Map", () => {
    const p = join(dir, "map.safetensors");
    save(new Map([["m", Tensor.ones([1])]]), p);
    assert.deepEqual(Object.keys(load(p)), ["m"]);
  });
});

describe("safetensors as bytes, across threads, and bad arguments", () => {
  const sd = () => ({ w: Tensor.from([[1, 2], [3, 4.5]]), n: Tensor.from(new Int32Array([7, -8]), { shape: [2], dtype: "int32" }) });

  it("save(sd) returns the file's bytes: the same as save(sd, path) writes; load and loadMetadata take them back", () => {
    const bytes = save(sd(), { metadata: { format: "pt" } });
    assert.ok(bytes instanceof Uint8Array);
    const p = join(dir, "bytes.safetensors");
    save(sd(), p, { metadata: { format: "pt" } });
    assert.deepEqual(Buffer.from(bytes), readFileSync(p));
    for (const src of [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, readFileSync(p)]) {
      const back = load(src);
      assert.deepEqual(Object.keys(back), ["n", "w"]);
      assert.deepEqual(back.w.toArray(), [[1, 2], [3, 4.5]]);
      assert.equal(back.n.dtype, "int32");
      assert.deepEqual(loadMetadata(src), { format: "pt" });
    }
    // a view into a larger buffer reads only its own bytes
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    assert.deepEqual(load(padded.subarray(8, 8 + bytes.length)).w.toArray(), [[1, 2], [3, 4.5]]);
    assert.deepEqual(Object.keys(load(save({}))), []);
  });

  it("saveAsync saves tensors on every device (webgpu too, where save refuses and names it): the same bytes as save", async () => {
    await initDevice("webgpu").catch(() => null);
    const want = save(sd(), { metadata: { format: "pt" } });
    for (const device of availableDevices()) {
      const on = Object.fromEntries(Object.entries(sd()).map(([k, t]) => [k, t.to(device)]));
      assert.deepEqual(await saveAsync(on, { metadata: { format: "pt" } }), want, device);
      const p = join(dir, `async-${device}.safetensors`);
      assert.equal(await saveAsync(new Map(Object.entries(on)), p, { metadata: { format: "pt" } }), undefined);
      assert.deepEqual(new Uint8Array(readFileSync(p)), want, `${device} file`);
      if (device === "webgpu") assert.throws(() => save(on), /safetensors: save: "w" is on 'webgpu', whose values cannot be read synchronously; use `await saveAsync\(\.\.\.\)`/);
    }
    // a module, and what save refuses by name
    const m = new nn.Linear(2, 3);
    assert.deepEqual(load(await saveAsync(m)).weight.toArray(), m.weight.toArray());
    await assert.rejects(saveAsync({ w: [1, 2] as unknown as Tensor }), /safetensors: save: "w" is not a Tensor/);
    await assert.rejects(saveAsync(sd(), ""), /save: path is empty/);
  });

  it("malformed bytes fail like malformed files, named <bytes>", () => {
    assert.throws(() => load(new Uint8Array(3)), /^Error: safetensors: <bytes>: file is too short \(3 bytes\)/);
    const bytes = save(sd());
    assert.throws(() => load(bytes.subarray(0, bytes.length - 1)), /^Error: safetensors: <bytes>: tensor "\w": data_offsets .* are out of range/);
  });

  it("bad arguments get errors that name the call and what it expected", () => {
    assert.throws(() => load(42 as unknown as string), /^Error: load: expected a file path \(string\) or the file's bytes \(Uint8Array or ArrayBuffer\), got 42$/);
    assert.throws(() => loadMetadata(null as unknown as string), /^Error: loadMetadata: expected a file path .* got null$/);
    assert.throws(() => load(dir), new RegExp(`^Error: load: cannot read ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: it is a directory, not a file \\(EISDIR\\)$`));
    assert.throws(() => loadMetadata(dir), /^Error: loadMetadata: cannot read .*: it is a directory/);
    assert.throws(() => load(join(dir, "missing.safetensors")), /^Error: load: cannot read .*missing\.safetensors: no such file or directory \(ENOENT\)$/);
    assert.throws(() => save(sd(), ""), /^Error: save: path is empty \(leave it out to get the bytes\)$/);
    assert.throws(() => save(sd(), 5 as unknown as string), /^Error: save: path must be a string \(or leave it out to get the bytes\), got 5$/);
    assert.throws(() => save(sd(), { metdata: {} } as SaveOptions), /^Error: save: unknown option 'metdata' \(expected 'metadata'\)$/);
    assert.throws(() => save(null as unknown as Record<string, Tensor>), /^Error: safetensors: save: expected a Module, a state dict or a Map of tensors, got null$/);
    assert.throws(() => save(sd(), { metadata: "pt" as unknown as Record<string, string> }), /metadata must be an object of strings, got the string 'pt'/);
    const m = new nn.Linear(2, 2);
    for (const bad of [null, undefined, 3, [1], Tensor.ones([2])]) {
      assert.throws(() => m.loadStateDict(bad as unknown as Record<string, Tensor>), /^Error: Linear\.loadStateDict: expected a state dict \(an object or Map from names to Tensors, e\.g\. from load\(path\) or model\.stateDict\(\)\), got /);
    }
  });

  it("threads saving to one path while others load it: every save succeeds, every load sees one complete file", async () => {
    // 20 rounds here (a shared temporary name failed within 10); npm run stress:save runs 1,000
    const r = await saveStress({ rounds: 20, writers: 3, readers: 2 });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.leftovers, [], "no temporary file is left behind");
    assert.equal(r.saves, 60);
    assert.ok(r.reads > 0, "the readers ran while the writers saved");
  });
});

describe("safetensors rejects malformed files", () => {
  const cases: [string, () => string, RegExp][] = [
    ["shorter than 8 bytes", () => (writeFileSync(join(dir, "tiny"), Buffer.from([1, 2, 3])), join(dir, "tiny")), /tiny: file is too short \(3 bytes\) to hold the 8-byte header length/],
    ["header longer than the file", () => file("long", { a: f32([1], 0) }, 4, 1000n), /long: header length 1000 runs past the end of the file/],
    ["header over 100 MB", () => file("huge", {}, 0, 1n << 40n), /huge: header length 1099511627776 is larger than the 100000000-byte limit/],
    ["non-JSON header", () => file("nonjson", "{not json"), /nonjson: header is not valid JSON/],
    ["non-UTF-8 header", () => file("nonutf8", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /nonutf8: header is not valid UTF-8/],
    ["array header", () => file("array", [1, 2]), /array: header must be a JSON object, got an array/],
    ["null header", () => file("null", "null"), /null: header must be a JSON object, got null/],
    ["entry not an object", () => file("entry", { w: 3 }), /tensor "w": entry must be an object with dtype, shape and data_offsets/],
    ["unknown dtype", () => file("dtype", { w: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, 4), /dtype: tensor "w": unknown dtype "F33"/],
    ["unsupported dtype", () => file("f8", { w: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, 1), /tensor "w": unsupported dtype F8_E4M3/],
    ["bad shape", () => file("shape", { w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4), /tensor "w": shape must be an array of non-negative integers, got \[-1\]/],
    ["bad offsets", () => file("offs", { w: { dtype: "F32", shape: [1], data_offsets: [0] } }, 4), /tensor "w": data_offsets must be \[begin, end\]/],
    ["reversed offsets", () => file("rev", { w: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, 4), /tensor "w": data_offsets \[4, 0\] end before they begin/],
    ["shape/offset size mismatch", () => file("size", { w: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, 12), /size: tensor "w": shape \[2, 2\] of F32 needs 16 bytes, but data_offsets \[0, 12\] hold 12/],
    ["offsets out of range", () => file("range", { w: f32([4], 0) }, 8), /range: tensor "w": data_offsets \[0, 16\] are out of range \(the data is 8 bytes\)/],
    ["overlapping offsets", () => file("overlap", { a: f32([2], 0), b: f32([2], 4) }, 12), /overlap: tensor "b": data_offsets \[4, 12\] overlap tensor "a"/],
    ["a hole between tensors", () => file("hole", { a: f32([1], 0), b: f32([1], 8) }, 12), /hole: tensor "b": data_offsets \[8, 12\] leave a hole at bytes \[4, 8\]/],
    ["data not fully covered", () => file("trailing", { a: f32([1], 0) }, 8), /trailing: the tensors cover 4 bytes of data but the file holds 8 after the header/],
    ["duplicate names", () => file("dup", `{"w":${JSON.stringify(f32([1], 0))},"w":${JSON.stringify(f32([1], 4))}}`, 8), /dup: duplicate tensor name "w"/],
    ["non-string metadata", () => file("meta", { __metadata__: { n: 1 } }), /meta: __metadata__ value of "n" must be a string/],
    ["int64 out of int32 range", () => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(1n << 40n);
      return file("i64", { big: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, b);
    }, /i64: tensor "big": I64 value 1099511627776 at index 0 does not fit in int32/],
  ];
  for (const [name, make, re] of cases) {
    it(name, () => {
      const p = make();
      assert.throws(() => load(p), (e: Error) => {
        assert.match(e.message, /^safetensors: /);
        assert.ok(e.message.includes(p), `names the file: ${e.message}`);
        assert.match(e.message, re);
        return true;
      });
    });
  }

  it("loadMetadata validates the header too, reading only the header", () => {
    assert.throws(() => loadMetadata(file("meta-trailing", { a: f32([1], 0) }, 8)), /the tensors cover 4 bytes/);
  });

  it("a tensor named __proto__ stays an ordinary key", () => {
    const p = file("proto", { __proto__x: f32([1], 0) }, 4);
    assert.deepEqual(Object.keys(load(p)), ["__proto__x"]);
    const q = file("proto2", `{"__proto__":${JSON.stringify(f32([1], 0))}}`, 4);
    const sd = load(q);
    assert.deepEqual(Object.keys(sd), ["__proto__"]);
    assert.ok(Object.getPrototypeOf(sd) === Object.prototype);
  });
});

const FIXDIR = fileURLToPath(FIXTURES);

describe("safetensors files shared with Python", () => {
  it("reads the file scripts/make_train_fixtures.py wrote (F32, I32, F64, and F16/BF16/I64 converted)", () => {
    const p = join(FIXDIR, "py_written.safetensors");
    const got = load(p);
    const expected = loadTrain().pyWritten;
    assert.deepEqual(Object.keys(got), Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected)) {
      assert.equal(got[k].dtype, e.dtype, k);
      assert.deepEqual(got[k].shape, e.shape, k);
      const vals = Array.from(got[k].toTypedArray());
      const want = e.dtype === "float32" ? e.data.map(Math.fround) : e.data;
      assert.deepEqual(vals, want, k);
    }
    assert.deepEqual(loadMetadata(p), { format: "pt", source: "scripts/make_train_fixtures.py" });
  });

  it("writes test/fixtures/dlgrad_written.safetensors byte for byte as committed (Python reads it back)", () => {
    // Keep in sync with the expected tensors in scripts/make_train_fixtures.py.
    const sd = {
      "fc.weight": Tensor.arange(12).reshape([3, 4]).div(8).sub(0.5),
      "fc.bias": Tensor.from([0.1, -0.2, 0.3]),
      steps: Tensor.from(new Int32Array([-3, 0, 5]), { shape: [3], dtype: "int32" }),
      scalar: Tensor.from(2.5),
      empty: Tensor.zeros([0, 2]),
    };
    const fixture = join(FIXDIR, "dlgrad_written.safetensors");
    const fresh = join(dir, "dlgrad_written.safetensors");
    save(sd, fresh, { metadata: { format: "pt" } });
    if (!existsSync(fixture) || process.env.DLGRAD_UPDATE_FIXTURES === "1") save(sd, fixture, { metadata: { format: "pt" } });
    assert.deepEqual(readFileSync(fresh), readFileSync(fixture));
  });
});
