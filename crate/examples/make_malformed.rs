//! Writes the malformed-input corpus `tests/malformed/` (hostile files and `expected.tsv`) and the
//! small valid fuzz seeds `fuzz/seeds/`. Run from the repository root:
//!
//!     cargo run -q --example make_malformed
//!
//! Output is deterministic (same bytes on every run); the files are committed, and
//! `crate/tests/malformed.rs` checks each of them against its line of the manifest. Regressions
//! found by fuzzing are added here as cases, so that the corpus keeps them.
//!
//! `expected.tsv` has one line per file: `NAME<TAB>STAGE<TAB>TEXT`.
//! * `read`: `model::read` must refuse the file with an error containing TEXT (and the CLI must
//!   exit with code 2 and a one-line message).
//! * `analyze`: the file reads; the analysis at every API level (text and JSON) contains TEXT.
//! * `fix`, `fix28`: the file reads; `fixes::fix` at API 29 (28) fails with TEXT or reports TEXT
//!   (`render_text`).
//!
//! Every file is checked here against its line before anything is written, so the manifest says
//! what the code does today; the test says it keeps doing so.

use std::path::{Path, PathBuf};

use delegate_doctor::builder::{self, const_f32, const_i32, const_i64, const_u8, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::model::{self, BuiltinOperator as B, TensorType as T};
use delegate_doctor::opts;
use flatbuffers::{FlatBufferBuilder, WIPOffset};
use tflite_schema::tflite::{self as fb, BufferT, MetadataT, ModelT, OperatorT, SignatureDefT, SubGraphT, TensorMapT, TensorT};

// -------------------------------------------------------------------------------------------------
// Building blocks.

fn f32t(name: &str, shape: &[i32]) -> TensorSpec {
    tensor(name, T::FLOAT32, shape)
}

/// Deterministic bytes (an LCG; no dependency needed).
fn pseudo_random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 56) as u8
        })
        .collect()
}

/// A small quantized segmentation model in DeepLab's image: CONV_2D → AVERAGE_POOL_2D (global,
/// 8×8) → RESIZE_BILINEAR (align_corners) → ARG_MAX (int64). At API 29 three of its ops are refused
/// and all three can be fixed, so it drives the fix code when mutated.
fn mini_deeplab() -> ModelBuilder {
    let mut b = ModelBuilder::new();
    b.description("delegate-doctor malformed-corpus base model");
    let x = b.input(tensor("image", T::UINT8, &[1, 8, 8, 3]).quant(0.0078125, 128));
    let w = b.add(const_u8("conv/filter", &[4, 1, 1, 3], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).quant(0.02, 128));
    let bias = b.add(const_i32("conv/bias", &[4], &[0, 1, 2, 3]).quant(0.00015625, 0));
    let c = b.add(tensor("conv", T::UINT8, &[1, 8, 8, 4]).quant(0.05, 0));
    let p = b.add(tensor("pool", T::UINT8, &[1, 1, 1, 4]).quant(0.05, 0));
    let size = b.add(const_i32("resize/size", &[2], &[17, 17]));
    let r = b.add(tensor("logits", T::UINT8, &[1, 17, 17, 4]).quant(0.05, 0));
    let axis = b.add(const_i32("argmax/axis", &[1], &[3]));
    let y = b.add(tensor("classes", T::INT64, &[1, 17, 17]));
    b.op(B::CONV_2D, &[x, w, bias], &[c]).options(opts!(Conv2DOptions {
        stride_w: 1,
        stride_h: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1
    }));
    b.op(B::AVERAGE_POOL_2D, &[c], &[p]).options(opts!(Pool2DOptions {
        stride_w: 1,
        stride_h: 1,
        filter_width: 8,
        filter_height: 8,
        padding: fb::Padding::VALID
    }));
    // A 1×1 pool resized with align_corners; 1→N axes are exact.
    b.op(B::RESIZE_BILINEAR, &[p, size], &[r]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.op(B::ARG_MAX, &[r, axis], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
    b.output(y);
    b
}

/// x → ADD(x, k) → RELU → y, float: fully delegated at every level from 27.
fn float_chain() -> ModelBuilder {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let k = b.add(const_f32("k", &[1, 4], &[1.0, 2.0, 3.0, 4.0]));
    let a = b.add(f32t("a", &[1, 4]));
    let y = b.add(f32t("y", &[1, 4]));
    b.op(B::ADD, &[x, k], &[a]);
    b.op(B::RELU, &[a], &[y]);
    b.output(y);
    b
}

/// A model whose marker values are easy to find in the bytes, for byte-level damage: tensor "x"
/// has shape [1, 0x0BADF00D], tensor "HUGE_NAME_MARKER" exists, and constant "k" holds the bytes
/// "KKKKKKKKKKKKKKKK".
fn marked() -> ModelBuilder {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 0x0BAD_F00D]));
    let k = b.add(builder::const_bytes("k", T::UINT8, &[16], b"KKKKKKKKKKKKKKKK"));
    let y = b.add(f32t("HUGE_NAME_MARKER", &[1, 0x0BAD_F00D]));
    b.op(B::ADD, &[x, k], &[y]);
    b.output(y);
    b
}

fn sg0(m: &mut ModelT) -> &mut SubGraphT {
    &mut m.subgraphs.as_mut().expect("subgraphs")[0]
}

fn tensors(m: &mut ModelT) -> &mut Vec<TensorT> {
    sg0(m).tensors.as_mut().expect("tensors")
}

fn ops(m: &mut ModelT) -> &mut Vec<OperatorT> {
    sg0(m).operators.as_mut().expect("operators")
}

fn edit(b: &ModelBuilder, f: impl FnOnce(&mut ModelT)) -> Vec<u8> {
    let mut m = b.model_t();
    f(&mut m);
    builder::pack(&m)
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).expect("marker present")
}

fn patch_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Packs `m` with its buffers written by `buffers` (to make tables share data, which the object
/// API cannot express). Same field order as `ModelT::pack`.
fn pack_custom(
    m: &ModelT,
    buffers: impl for<'b> FnOnce(
        &mut FlatBufferBuilder<'b>,
    ) -> WIPOffset<flatbuffers::Vector<'b, flatbuffers::ForwardsUOffset<fb::Buffer<'b>>>>,
) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let buffers = Some(buffers(&mut fbb));
    let codes: Vec<_> = m.operator_codes.iter().flatten().map(|c| c.pack(&mut fbb)).collect();
    let operator_codes = Some(fbb.create_vector(&codes));
    let sgs: Vec<_> = m.subgraphs.iter().flatten().map(|s| s.pack(&mut fbb)).collect();
    let subgraphs = Some(fbb.create_vector(&sgs));
    let root = fb::Model::create(
        &mut fbb,
        &fb::ModelArgs { version: 3, operator_codes, subgraphs, buffers, ..Default::default() },
    );
    fb::finish_model_buffer(&mut fbb, root);
    fbb.finished_data().to_vec()
}

/// Packs `m` whose buffers `offset_buffers` keep their data after the flatbuffer (offset/size),
/// appending `tail`; each entry is (buffer index, start within tail, size).
fn pack_with_tail(m: &ModelT, offset_buffers: &[(usize, u64, u64)], tail: &[u8]) -> Vec<u8> {
    let with = |base: u64| {
        let mut m = m.clone();
        let buffers = m.buffers.as_mut().expect("buffers");
        for &(i, start, size) in offset_buffers {
            buffers[i] = BufferT::default();
            buffers[i].offset = base + start;
            buffers[i].size = size;
        }
        builder::pack(&m)
    };
    let first = with(1 << 40);
    let base = first.len().next_multiple_of(16);
    let mut out = with(base as u64);
    assert_eq!(out.len(), first.len());
    out.resize(base, 0);
    out.extend_from_slice(tail);
    out
}

/// The control-dependency metadata: version 1, then per subgraph a count of edges and the edges,
/// each value a zig-zag base-128 varint.
fn control_deps(edges: &[Vec<(i32, i32)>]) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let zz = |v: i32| ((v << 1) ^ (v >> 31)) as u32 as u64;
    let mut out = Vec::new();
    varint(&mut out, 1);
    varint(&mut out, edges.len() as u64);
    for sg in edges {
        varint(&mut out, sg.len() as u64);
        for &(a, b) in sg {
            varint(&mut out, zz(a));
            varint(&mut out, zz(b));
        }
    }
    out
}

fn with_metadata(b: &ModelBuilder, name: &str, data: Vec<u8>) -> Vec<u8> {
    edit(b, |m| {
        let buffers = m.buffers.as_mut().expect("buffers");
        let mut buf = BufferT::default();
        buf.data = Some(data);
        buffers.push(buf);
        let mut md = MetadataT::default();
        md.name = Some(name.to_string());
        md.buffer = (buffers.len() - 1) as u32;
        m.metadata = Some(vec![md]);
    })
}

// -------------------------------------------------------------------------------------------------
// The cases.

struct Case {
    name: String,
    stage: &'static str,
    expect: String,
    bytes: Vec<u8>,
}

fn case(list: &mut Vec<Case>, name: &str, stage: &'static str, expect: &str, bytes: Vec<u8>) {
    list.push(Case { name: name.to_string(), stage, expect: expect.to_string(), bytes });
}

fn not_models(v: &mut Vec<Case>) {
    case(v, "empty.tflite", "read", "the file is empty", Vec::new());
    case(v, "one_byte.tflite", "read", "is 1 bytes long, too short", vec![0x54]);
    case(v, "seven_bytes.tflite", "read", "is 7 bytes long, too short", b"TFL3TFL".to_vec());
    case(v, "random_16.bin", "read", "not a TFLite model", pseudo_random_bytes(16, 1));
    case(v, "random_4096.bin", "read", "not a TFLite model", pseudo_random_bytes(4096, 2));
    case(v, "zeros_1024.bin", "read", "hold the bytes 00 00 00 00", vec![0; 1024]);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    png.extend(pseudo_random_bytes(64, 3));
    case(v, "image.png", "read", "looks like a PNG image", png);
    let mut zip = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
    zip.extend(b"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x0b\0\0\0model.tflite");
    case(v, "archive.zip", "read", "looks like a ZIP archive", zip);
    let mut jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".to_vec();
    jpeg.extend(pseudo_random_bytes(64, 4));
    case(v, "photo.jpg", "read", "looks like a JPEG image", jpeg);
    case(v, "anim.gif", "read", "looks like a GIF image", b"GIF89a\x01\0\x01\0\0\0\0;".to_vec());
    case(v, "paper.pdf", "read", "looks like a PDF document", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec());
    // An ONNX ModelProto: ir_version 7, producer_name "pytorch", producer_version "2.1".
    let onnx = b"\x08\x07\x12\x07pytorch\x1a\x032.1:\x02\n\0".to_vec();
    case(v, "model.onnx", "read", "not a TFLite model: bytes 4..8 should hold the identifier \"TFL3\" but hold \"pyto\"", onnx);
    let good = float_chain().finish();
    let mut tfl2 = good.clone();
    tfl2[4..8].copy_from_slice(b"TFL2");
    case(v, "identifier_tfl2.tflite", "read", "but hold \"TFL2\"", tfl2);
    let mut lower = good.clone();
    lower[4..8].copy_from_slice(b"tfl3");
    case(v, "identifier_lowercase.tflite", "read", "but hold \"tfl3\"", lower);
    case(v, "header_only.tflite", "read", "flatbuffer is damaged", b"\x0c\0\0\0TFL3".to_vec());
}

fn damaged_flatbuffers(v: &mut Vec<Case>) {
    let good = mini_deeplab().finish();
    let len = good.len();
    let points = [8, 12, 16, 24, 32, 64, len / 8, len / 4, len / 2, 3 * len / 4, len - 16, len - 4];
    for p in points {
        case(v, &format!("truncated_at_{p}.tflite"), "read", "flatbuffer is damaged", good[..p].to_vec());
    }
    let mut root = good.clone();
    patch_u32(&mut root, 0, 0x7fff_fff0);
    case(v, "root_offset_out_of_bounds.tflite", "read", "is out of bounds", root);
    let mut root = good.clone();
    patch_u32(&mut root, 0, u32::MAX);
    case(v, "root_offset_u32_max.tflite", "read", "flatbuffer is damaged", root);
    let mut root = good.clone();
    patch_u32(&mut root, 0, 6);
    case(v, "root_offset_unaligned.tflite", "read", "is unaligned", root);
    // The root table's signed offset to its vtable, pointing far outside the file.
    let mut vt = good.clone();
    let table = u32::from_le_bytes([good[0], good[1], good[2], good[3]]) as usize;
    patch_u32(&mut vt, table, 0x4000_0000);
    case(v, "vtable_offset_out_of_bounds.tflite", "read", "points out of bounds", vt);

    let marked = marked().finish();
    let dims = find(&marked, &0x0BAD_F00Du32.to_le_bytes());
    // The first shape vector holding the marker: [len=2][1][0x0BADF00D].
    let shape_len_at = dims - 8;
    assert_eq!(&marked[shape_len_at..shape_len_at + 8], &[2, 0, 0, 0, 1, 0, 0, 0]);
    for (name, value) in [("shape_length_2g", 0x7fff_ffffu32), ("shape_length_u32_max", u32::MAX), ("shape_length_1g", 1 << 30)] {
        let mut b = marked.clone();
        patch_u32(&mut b, shape_len_at, value);
        case(v, &format!("{name}.tflite"), "read", "flatbuffer is damaged", b);
    }
    let name_at = find(&marked, b"HUGE_NAME_MARKER");
    let mut b = marked.clone();
    patch_u32(&mut b, name_at - 4, 0x7fff_ffff);
    case(v, "name_length_2g.tflite", "read", "is out of bounds", b);
    let mut b = marked.clone();
    b[name_at..name_at + 2].copy_from_slice(&[0xff, 0xfe]);
    case(v, "name_invalid_utf8.tflite", "read", "Utf8 error", b);
    let data_at = find(&marked, b"KKKKKKKKKKKKKKKK");
    let mut b = marked.clone();
    patch_u32(&mut b, data_at - 4, 0x7fff_fff0);
    case(v, "buffer_data_length_2g.tflite", "read", "is out of bounds", b);
}

fn inconsistent(v: &mut Vec<Case>) {
    let base = float_chain();
    let r = "read";
    case(v, "tensor_buffer_out_of_range.tflite", r, "refers to buffer 99 but the model has 2 buffers",
        edit(&base, |m| tensors(m)[1].buffer = 99));
    case(v, "tensor_buffer_u32_max.tflite", r, "refers to buffer 4294967295",
        edit(&base, |m| tensors(m)[0].buffer = u32::MAX));
    case(v, "opcode_index_out_of_range.tflite", r, "uses operator code 7 but the model has 2 operator codes",
        edit(&base, |m| ops(m)[1].opcode_index = 7));
    case(v, "operator_codes_absent.tflite", r, "uses operator code 0 but the model has 0 operator codes",
        edit(&base, |m| m.operator_codes = None));
    case(v, "op_input_out_of_range.tflite", r, "refers to tensor 100 as an input but the subgraph has 4 tensors",
        edit(&base, |m| ops(m)[0].inputs = Some(vec![0, 100])));
    case(v, "op_input_negative.tflite", r, "refers to tensor -2 as an input",
        edit(&base, |m| ops(m)[0].inputs = Some(vec![-2, 1])));
    case(v, "op_input_i32_min.tflite", r, "refers to tensor -2147483648 as an input",
        edit(&base, |m| ops(m)[1].inputs = Some(vec![i32::MIN])));
    case(v, "op_output_omitted.tflite", r, "refers to tensor -1 as an output",
        edit(&base, |m| ops(m)[0].outputs = Some(vec![-1])));
    case(v, "op_output_i32_max.tflite", r, "refers to tensor 2147483647 as an output",
        edit(&base, |m| ops(m)[1].outputs = Some(vec![i32::MAX])));
    case(v, "op_intermediate_out_of_range.tflite", r, "refers to tensor 5 as an intermediate",
        edit(&base, |m| ops(m)[0].intermediates = Some(vec![5])));
    case(v, "subgraph_input_out_of_range.tflite", r, "subgraph 0 lists tensor 42 as an input but has 4 tensors",
        edit(&base, |m| sg0(m).inputs = Some(vec![42])));
    case(v, "subgraph_output_negative.tflite", r, "subgraph 0 lists tensor -1 as an output",
        edit(&base, |m| sg0(m).outputs = Some(vec![-1])));
    case(v, "negative_dim.tflite", r, "has a negative dimension -3 in its shape [1, -3]",
        edit(&base, |m| tensors(m)[2].shape = Some(vec![1, -3])));
    case(v, "dim_i32_min.tflite", r, "has a negative dimension -2147483648",
        edit(&base, |m| tensors(m)[3].shape = Some(vec![i32::MIN, i32::MIN])));
    case(v, "no_subgraphs.tflite", r, "the model has no subgraphs", edit(&base, |m| m.subgraphs = Some(vec![])));
    case(v, "subgraphs_absent.tflite", r, "the model has no subgraphs", edit(&base, |m| m.subgraphs = None));
    case(v, "second_subgraph_bad_tensor.tflite", r, "operator 0 of subgraph 1 refers to tensor 9",
        edit(&base, |m| {
            let mut s = m.subgraphs.as_ref().expect("subgraphs")[0].clone();
            s.operators.as_mut().expect("operators")[0].inputs = Some(vec![9, 0]);
            m.subgraphs.as_mut().expect("subgraphs").push(s);
        }));
    case(v, "metadata_buffer_out_of_range.tflite", r, "metadata entry 0 refers to buffer 50",
        edit(&base, |m| {
            let mut md = MetadataT::default();
            md.name = Some("min_runtime_version".into());
            md.buffer = 50;
            m.metadata = Some(vec![md]);
        }));
    let signature = |subgraph: u32, tensor: u32| {
        let mut s = SignatureDefT::default();
        s.signature_key = Some("serving_default".into());
        s.subgraph_index = subgraph;
        let mut t = TensorMapT::default();
        t.name = Some("x".into());
        t.tensor_index = tensor;
        s.inputs = Some(vec![t]);
        s
    };
    case(v, "signature_subgraph_out_of_range.tflite", r, "signature 0 refers to subgraph 3 but the model has 1 subgraphs",
        edit(&base, |m| m.signature_defs = Some(vec![signature(3, 0)])));
    case(v, "signature_tensor_out_of_range.tflite", r, "signature 0 maps \"x\" to tensor 77 but subgraph 0 has 4 tensors",
        edit(&base, |m| m.signature_defs = Some(vec![signature(0, 77)])));

    // Offset/size buffers (data after the flatbuffer) that point outside the file.
    let m = base.model_t();
    let k = m.subgraphs.as_ref().expect("subgraphs")[0].tensors.as_ref().expect("tensors")[1].buffer as usize;
    let tail = vec![0u8; 16];
    let beyond = pack_with_tail(&m, &[(k, 1000, 16)], &tail);
    case(v, "offset_buffer_beyond_file.tflite", r, &format!("buffer {k} says its data is at bytes"), beyond);
    let short = pack_with_tail(&m, &[(k, 0, 17)], &tail);
    case(v, "offset_buffer_one_byte_past_end.tflite", r, "but the file is", short);
    let offset_buffer = |offset: u64, size: u64| {
        let mut m = m.clone();
        let b = &mut m.buffers.as_mut().expect("buffers")[k];
        *b = BufferT::default();
        b.offset = offset;
        b.size = size;
        builder::pack(&m)
    };
    case(v, "offset_buffer_size_overflows.tflite", r, "says its data is at bytes 64..18446744073709551669",
        offset_buffer(64, u64::MAX - 10));
    case(v, "offset_buffer_offset_u64_max.tflite", r, "says its data is at bytes 18446744073709551615..",
        offset_buffer(u64::MAX, 1));
}

/// Structurally valid files that are hostile in meaning: they must read, analyse and fix without a
/// panic or a hang, with the stated outcome.
fn hostile(v: &mut Vec<Case>) {
    let (a, f) = ("analyze", "fix");
    // x → ADD(x, t2) → t1 → ADD(t1, x) → t2: each op waits on the other.
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let t1 = b.add(f32t("t1", &[1, 4]));
    let t2 = b.add(f32t("t2", &[1, 4]));
    b.op(B::ADD, &[x, t2], &[t1]);
    b.op(B::ADD, &[t1, x], &[t2]);
    b.output(t2);
    case(v, "cycle_two_ops.tflite", a, "nodes 0, 1 can never run", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let t = b.add(f32t("t", &[1, 4]));
    b.op(B::ADD, &[x, t], &[t]);
    b.output(t);
    case(v, "op_reads_own_output.tflite", a, "nodes 0 can never run", b.finish());
    // A chain listed backwards: every op comes before the op that makes its input.
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let n = 200;
    let ts: Vec<i32> = (0..n).map(|i| b.add(f32t(&format!("t{i}"), &[1, 4]))).collect();
    for i in (0..n).rev() {
        let input = if i == 0 { x } else { ts[i - 1] };
        b.op(B::RELU, &[input], &[ts[i]]);
    }
    b.output(ts[n - 1]);
    case(v, "chain_listed_backwards.tflite", a, "Fully delegated: one NNAPI kernel runs all 200 ops", b.finish());

    let base = float_chain();
    let unknown = |code: i32| {
        edit(&base, |m| {
            let c = &mut m.operator_codes.as_mut().expect("codes")[1];
            c.builtin_code = model::BuiltinOperator(code);
            c.deprecated_builtin_code = code.clamp(-128, 127) as i8;
        })
    };
    case(v, "unknown_builtin_9999.tflite", a, "UNKNOWN_BUILTIN_9999", unknown(9999));
    case(v, "builtin_code_negative.tflite", a, "UNKNOWN_BUILTIN_-5", unknown(-5));
    case(v, "unknown_builtin_refused.tflite", a, "Unsupported operation type.", unknown(i32::MAX));
    case(v, "custom_op_without_name.tflite", a, "\"op\": \"CUSTOM\"", unknown(B::CUSTOM.0));
    case(v, "op_version_i32_max.tflite", a, "OP Version higher than 2",
        edit(&base, |m| m.operator_codes.as_mut().expect("codes")[0].version = i32::MAX));
    case(v, "unknown_tensor_type.tflite", a, "UNKNOWN_TYPE_99", edit(&base, |m| tensors(m)[0].type_ = T(99)));
    case(v, "empty_subgraph.tflite", a, "NNAPI accepts none of the 0 ops", {
        let mut m = ModelT::default();
        m.version = 3;
        m.subgraphs = Some(vec![SubGraphT::default()]);
        builder::pack(&m)
    });
    case(v, "duplicate_op_outputs.tflite", a, "TfLiteNnapiDelegate",
        edit(&base, |m| ops(m)[0].outputs = Some(vec![2, 2])));
    case(v, "two_ops_write_one_tensor.tflite", a, "Fully delegated", edit(&base, |m| ops(m)[1].outputs = Some(vec![2])));
    case(v, "graph_output_listed_twice.tflite", a, "Fully delegated", edit(&base, |m| sg0(m).outputs = Some(vec![3, 3, 3])));
    case(v, "op_without_inputs_or_outputs.tflite", a, "The operator has no input 0",
        edit(&base, |m| {
            ops(m)[0].inputs = Some(vec![]);
            ops(m)[0].outputs = Some(vec![]);
        }));

    // Missing options.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 4, 3]));
    let w = b.add(const_f32("w", &[2, 1, 1, 3], &[0.5; 6]));
    let bias = b.add(const_f32("b", &[2], &[0.0; 2]));
    let y = b.add(f32t("y", &[1, 4, 4, 2]));
    b.op(B::CONV_2D, &[x, w, bias], &[y]);
    b.output(y);
    case(v, "conv_without_options.tflite", a, "NNAPI supports dilated Conv2D since NNAPI 1.2.", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4, 4, 3]));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let y = b.add(tensor("y", T::INT64, &[1, 4, 4]));
    b.op(B::ARG_MAX, &[x, axis], &[y]);
    b.output(y);
    case(v, "argmax_without_options.tflite", f, "output type int64 → int32", b.finish());
    let mut b = ModelBuilder::new();
    let y = b.add(tensor("y", T::INT64, &[1, 4, 4]));
    b.op(B::ARG_MAX, &[], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
    b.output(y);
    case(v, "argmax_without_inputs.tflite", f, "The operator has no input 0", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 2, 2, 1]));
    let y = b.add(f32t("y", &[1, 4, 4, 1]));
    b.op(B::RESIZE_BILINEAR, &[x], &[y]);
    b.output(y);
    case(v, "resize_without_size_or_options.tflite", a, "Expected at least 2 inputs", b.finish());

    // Absurd dimensions.
    let big = i32::MAX;
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[big, big, big, big]));
    let w = b.add(f32t("w", &[big, big, big, big]));
    let bias = b.add(f32t("b", &[big]));
    let y = b.add(f32t("y", &[big, big, big, big]));
    b.op(B::CONV_2D, &[x, w, bias], &[y]).options(opts!(Conv2DOptions { dilation_w_factor: 1, dilation_h_factor: 1 }));
    let z = b.add(f32t("z", &[big, big]));
    b.op(B::FULLY_CONNECTED, &[y, w, bias], &[z]);
    b.output(z);
    case(v, "absurd_dims_conv.tflite", a, "TfLiteNnapiDelegate", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[big; 64]));
    let y = b.add(f32t("y", &[big; 64]));
    let z = b.add(f32t("z", &[0, big, big, big, big, big, big, big, big, big, big, big, big, big, big]));
    b.op(B::RELU, &[x], &[y]);
    b.op(B::MEAN, &[y], &[z]);
    b.op(B::L2_POOL_2D, &[y], &[z]).options(opts!(Pool2DOptions { filter_width: big, filter_height: big }));
    b.output(z);
    case(v, "absurd_dims_rank_64.tflite", a, "RELU", b.finish());
    let resize = |name: &str, inh: i32, outh: i32, rank4: bool, expect: &str, v: &mut Vec<Case>| {
        let mut b = ModelBuilder::new();
        let (ish, osh) = if rank4 { (vec![1, inh, inh, 1], vec![1, outh, outh, 1]) } else { (vec![inh, inh], vec![outh, outh]) };
        let x = b.input(f32t("x", &ish));
        let size = b.add(const_i32("size", &[2], &[outh, outh]));
        let y = b.add(f32t("y", &osh));
        b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
        b.output(y);
        case(v, name, "fix", expect, b.finish());
    };
    resize("resize_align_corners_2_to_i32_max.tflite", 2, big, true, "no exact form: 2×2 → 2147483647×2147483647", v);
    resize("resize_align_corners_i32_max_to_2.tflite", big, 2, true, "no exact form", v);
    resize("resize_align_corners_1_to_n.tflite", 1, 9, true, "align_corners → false", v);
    resize("resize_align_corners_0_to_0.tflite", 0, 0, true, "\"size_data[0] > 0 was not true.\"", v);
    resize("resize_align_corners_0_to_5.tflite", 0, 5, true, "no exact form", v);
    resize("resize_align_corners_rank_2.tflite", 3, 5, false, "\"NumDimensions(input) != 4 (2 != 4)\"", v);

    // The ARG_MAX reading a resize's output comes first in the plan, a fixable CONV_2D between them:
    // the crop must not be inserted before ops whose fixes are still to be applied.
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 3, 3, 2]));
    let size = b.add(const_i32("size", &[2], &[5, 5]));
    let r = b.add(f32t("r", &[1, 5, 5, 2]));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let y = b.add(tensor("y", T::INT32, &[1, 5, 5]));
    let w = b.add(const_f32("w", &[2, 1, 1, 2], &[1.0; 4]));
    let c = b.add(f32t("c", &[1, 3, 3, 2]));
    b.op(B::ARG_MAX, &[r, axis], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT32 }));
    b.op(B::CONV_2D, &[x, w], &[c]).options(opts!(Conv2DOptions { dilation_w_factor: 1, dilation_h_factor: 1 }));
    b.op(B::RESIZE_BILINEAR, &[x, size], &[r]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(y);
    b.output(c);
    case(v, "resize_read_before_written.tflite", f, "omitted bias → zero float32 bias", b.finish());

    // CONV_2D without bias: the zero bias has one value per output channel.
    let conv_no_bias = |name: &str, filter: &[i32], expect: &str, v: &mut Vec<Case>| {
        let mut b = ModelBuilder::new();
        let x = b.input(f32t("x", &[1, 4, 4, 3]));
        let w = b.add(f32t("w", filter));
        let y = b.add(f32t("y", &[1, 4, 4, 2]));
        b.op(B::CONV_2D, &[x, w], &[y]).options(opts!(Conv2DOptions { dilation_w_factor: 1, dilation_h_factor: 1 }));
        b.output(y);
        case(v, name, "fix", expect, b.finish());
    };
    conv_no_bias("conv_no_bias_i32_max_channels.tflite", &[big, 1, 1, 3], "a zero bias is written for at most", v);
    conv_no_bias("conv_no_bias_zero_channels.tflite", &[0, 1, 1, 3], "\"filter->dims->data[0] > 0 was not true.\"", v);
    conv_no_bias("conv_no_bias_filter_rank_0.tflite", &[], "\"filter->dims->size != 4 (0 != 4)\"", v);

    // Pools with absurd windows or ranks.
    let pool = |name: &str, shape: &[i32], fw: i32, fh: i32, stage: &'static str, expect: &str, v: &mut Vec<Case>| {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::UINT8, shape).quant(0.5, 0));
        let y = b.add(tensor("y", T::UINT8, &[1, 1, 1, 1]).quant(0.5, 0));
        b.op(B::AVERAGE_POOL_2D, &[x], &[y]).options(opts!(Pool2DOptions {
            filter_width: fw,
            filter_height: fh,
            padding: fb::Padding::VALID
        }));
        b.output(y);
        case(v, name, stage, expect, b.finish());
    };
    pool("avg_pool_window_i32_max.tflite", &[1, big, big, 1], big, big, "analyze", "Large filter window would overflow", v);
    pool("avg_pool_window_negative.tflite", &[1, 4, 4, 1], -70000, 70000, "analyze", "Fully delegated", v);
    pool("avg_pool_rank_1.tflite", &[300], 20, 20, "fix28", "\"NumDimensions(input) != 4 (1 != 4)\"", v);
    pool("avg_pool_window_i32_max_fix.tflite", &[1, big, big, 1], big, big, "fix28", "separable pooling needs VALID padding and each window side ≤ 256", v);

    // Control flow whose subgraph indices loop or point nowhere.
    let control = |name: &str, code: B, options: model::BuiltinOptionsT, extra_subgraph: bool, v: &mut Vec<Case>| {
        let mut b = float_chain();
        b.select(0);
        let x = 0;
        let y = b.add(f32t("cf_out", &[1, 4]));
        b.op(code, &[x], &[y]).options(options.clone());
        b.output(y);
        if extra_subgraph {
            // Subgraph 1 calls subgraph 0 back, and itself.
            b.subgraph("body");
            let p = b.input(f32t("p", &[1, 4]));
            let q = b.add(f32t("q", &[1, 4]));
            b.op(code, &[p], &[q]).options(options);
            b.output(q);
        }
        case(v, name, "analyze", "Unsupported operation type.", b.finish());
    };
    control("while_calls_itself.tflite", B::WHILE, opts!(WhileOptions { cond_subgraph_index: 0, body_subgraph_index: 0 }), false, v);
    control("while_out_of_range.tflite", B::WHILE, opts!(WhileOptions { cond_subgraph_index: 99, body_subgraph_index: -1 }), false, v);
    control("if_out_of_range.tflite", B::IF, opts!(IfOptions { then_subgraph_index: i32::MIN, else_subgraph_index: i32::MAX }), false, v);
    control("call_once_itself.tflite", B::CALL_ONCE, opts!(CallOnceOptions { init_subgraph_index: 0 }), false, v);
    control("while_mutual_recursion.tflite", B::WHILE, opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 0 }), true, v);
    control("while_without_options.tflite", B::WHILE, model::BuiltinOptionsT::NONE, true, v);

    // Control-dependency metadata.
    let chain = float_chain();
    case(v, "control_deps_out_of_range.tflite", a, "control edge 0 → 7 names a node outside the execution plan",
        with_metadata(&chain, "model_control_dependencies", control_deps(&[vec![(0, 7)]])));
    case(v, "control_deps_negative.tflite", a, "names a node outside the execution plan",
        with_metadata(&chain, "model_control_dependencies", control_deps(&[vec![(-1, 0)]])));
    case(v, "control_deps_cycle.tflite", a, "nodes 0, 1 can never run",
        with_metadata(&chain, "model_control_dependencies", control_deps(&[vec![(1, 0)]])));
    let mut huge_count = vec![1u8, 1, 0xff, 0xff, 0xff, 0xff, 0x0f];
    huge_count.extend([0, 2]);
    case(v, "control_deps_huge_count.tflite", a, "Fully delegated",
        with_metadata(&chain, "model_control_dependencies", huge_count));
    case(v, "control_deps_garbage.tflite", a, "Fully delegated",
        with_metadata(&chain, "model_control_dependencies", pseudo_random_bytes(300, 5)));

    // Quantization that does not add up.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 4, 4, 3]).quant(0.5, 0));
    let w = b.add(const_u8("w", &[2, 1, 1, 3], &[1; 6]).per_channel(&[0.1, 0.2, 0.3], &[0], 99));
    let y = b.add(tensor("y", T::UINT8, &[1, 4, 4, 2]).per_channel(&[], &[1, 2, 3], -7));
    b.op(B::CONV_2D, &[x, w], &[y]).options(opts!(Conv2DOptions { dilation_w_factor: 1, dilation_h_factor: 1 }));
    b.output(y);
    case(v, "quantization_mismatched_lengths.tflite", f, "omitted bias → zero int32 bias", b.finish());

    // Constant data shorter or longer than the shape says.
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4, 4, 1]));
    let p = b.add(builder::const_bytes("paddings", T::INT64, &[4, 2], &[1, 2, 3]));
    let y = b.add(f32t("y", &[1, 6, 6, 1]));
    b.op(B::PAD, &[x, p], &[y]);
    b.output(y);
    // The interpreter refuses constants shorter than their shape (Subgraph::SetTensorParametersReadOnly).
    case(v, "const_data_too_short.tflite", "read", "is a constant of 3 bytes, but its shape [4, 2] of INT64 needs 64 bytes", b.finish());
    // ... and variables that have data (InterpreterBuilder::ParseTensors).
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let state = b.add(builder::const_f32("state", &[1, 4], &[0.0; 4]).variable());
    let y = b.add(f32t("y", &[1, 4]));
    b.op(B::ADD, &[x, state], &[y]);
    b.output(y);
    case(v, "variable_with_data.tflite", "read", "is a variable but has a buffer with data", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let s = b.add(const_i64("shape", &[2], &[i64::MAX, i64::MIN]));
    let y = b.add(f32t("y", &[4]));
    b.op(B::RESHAPE, &[x, s], &[y]);
    b.output(y);
    case(v, "int64_shape_out_of_i32.tflite", f, "num_input_elements != num_output_elements (4 != 1)", b.finish());

    // Offset buffers that are valid but odd.
    let dl = mini_deeplab();
    let m = dl.model_t();
    let nbuf = m.buffers.as_ref().expect("buffers").len();
    let mut tail = Vec::new();
    let mut moved = Vec::new();
    for (i, buf) in m.buffers.as_ref().expect("buffers").iter().enumerate().skip(1) {
        let d = buf.data.clone().unwrap_or_default();
        moved.push((i, tail.len() as u64, d.len() as u64));
        tail.extend_from_slice(&d);
        tail.resize(tail.len().next_multiple_of(16), 0);
    }
    assert_eq!(moved.len(), nbuf - 1);
    case(v, "offset_buffers_fixable.tflite", f, "output type int64 → int32", pack_with_tail(&m, &moved, &tail));
    // Every offset buffer points at the same bytes, inside the flatbuffer itself (each as long as
    // its tensor needs: shorter would be refused like any short constant).
    let mut inside = m.clone();
    for (buf, &(_, _, len)) in inside.buffers.as_mut().expect("buffers").iter_mut().skip(1).zip(&moved) {
        *buf = BufferT::default();
        buf.offset = 8;
        buf.size = len;
    }
    case(v, "offset_buffers_overlap_flatbuffer.tflite", f, "RESIZE_BILINEAR (op 2) fails to prepare", builder::pack(&inside));

    // Buffers sharing one data vector: the file is small, its buffers' data is not. A few shares
    // read (and cannot be rewritten); many are refused when read.
    let shared = |count: usize| {
        let mut m = float_chain().model_t();
        m.buffers.as_mut().expect("buffers").resize(count, BufferT::default());
        pack_custom(&m, |fbb| {
            let data = fbb.create_vector(&vec![7u8; 8 * 1024]);
            let list: Vec<_> = (0..count)
                .map(|i| fb::Buffer::create(fbb, &fb::BufferArgs { data: (i > 0).then_some(data), ..Default::default() }))
                .collect();
            fbb.create_vector(&list)
        })
    };
    case(v, "buffers_share_data.tflite", f, "the buffers overlap: they hold 24576 bytes of data", shared(4));
}

/// Inputs the fuzzers found (kept in fuzz/regressions/, named after the target and the finding).
fn fuzz_findings(v: &mut Vec<Case>, root: &Path) {
    let found = |name: &str| {
        std::fs::read(root.join("fuzz/regressions").join(name)).unwrap_or_else(|e| panic!("fuzz/regressions/{name}: {e}"))
    };
    // The whole 1026-dimension shape went into the error message (4.6 kB on one line).
    case(v, "fuzz_read_negative_dim_in_1026_dims.tflite", "read", "in its shape [0, 128, -5144, 20, 4, 4, 859124084, 0, … (1026 dimensions)]",
        found("read_negative_dim_in_1026_dims.tflite"));
    // A 16 KiB name of NUL bytes read 4000 times: each reference wrote 1024 bytes as 6 kB of JSON
    // escapes (23 MB of report for 32 kB of file) before reports had a budget.
    case(v, "fuzz_read_control_chars_name_read_4000_times.tflite", "analyze", "CONCATENATION",
        found("read_control_chars_name_read_4000_times.tflite"));
    let base = float_chain();
    case(v, "negative_dim_in_5000_dims.tflite", "read", "has a negative dimension -1 in its shape [1, 1, 1, 1, 1, 1, 1, 1, … (5000 dimensions)]",
        edit(&base, |m| {
            let mut shape = vec![1; 5000];
            shape[4999] = -1;
            tensors(m)[2].shape = Some(shape);
        }));
    let long = "n".repeat(10_000);
    case(v, "signature_long_name_bad_tensor.tflite", "read", &format!("signature 0 maps \"{}…\" to tensor 9", "n".repeat(64)),
        edit(&base, |m| {
            let mut s = SignatureDefT::default();
            let mut t = TensorMapT::default();
            t.name = Some(long.clone());
            t.tensor_index = 9;
            s.outputs = Some(vec![t]);
            m.signature_defs = Some(vec![s]);
        }));
}

/// Files whose reports repeat one big thing many times: a 16 KiB tensor name read, or written,
/// 4000 times by one op, and a 2000-dimension shape read 2000 times (the reports cut long names and
/// shapes; crate/tests/malformed.rs bounds their size).
fn repeated(v: &mut Vec<Case>) {
    let long = "L".repeat(16 * 1024);
    let mut b = ModelBuilder::new();
    let x = b.input(f32t(&long, &[1, 4]));
    let y = b.add(f32t("y", &[1, 4]));
    b.op(B::CONCATENATION, &vec![x; 4000], &[y]).options(opts!(ConcatenationOptions { axis: 0 }));
    b.output(y);
    case(v, "long_name_read_4000_times.tflite", "analyze", "CONCATENATION", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4]));
    let y = b.add(f32t(&long, &[1, 4]));
    b.custom_op("Repeat", &[x], &vec![y; 4000]);
    b.output(y);
    case(v, "long_name_written_4000_times.tflite", "analyze", "LLLL, …]:0", b.finish());
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1; 2000]));
    let y = b.add(f32t("y", &[1, 4]));
    b.op(B::ADD, &vec![x; 2000], &[y]);
    b.output(y);
    case(v, "rank_2000_read_2000_times.tflite", "analyze", "\"rank\": 2000", b.finish());
}

/// Tables that share vectors so that a small file describes far more than it holds.
fn amplified(v: &mut Vec<Case>) {
    let shared = |count: usize| {
        let mut m = float_chain().model_t();
        m.buffers.as_mut().expect("buffers").resize(count, BufferT::default());
        pack_custom(&m, |fbb| {
            let data = fbb.create_vector(&vec![7u8; 8 * 1024]);
            let list: Vec<_> = (0..count)
                .map(|i| fb::Buffer::create(fbb, &fb::BufferArgs { data: (i > 0).then_some(data), ..Default::default() }))
                .collect();
            fbb.create_vector(&list)
        })
    };
    case(v, "buffers_share_data_64x.tflite", "read", "apparent size too large", shared(64));
    // 512 tensors, one 4096-dimension shape vector.
    let mut fbb = FlatBufferBuilder::new();
    let shape = fbb.create_vector(&vec![1i32; 4096]);
    let name = fbb.create_string("t");
    let list: Vec<_> = (0..512)
        .map(|_| fb::Tensor::create(&mut fbb, &fb::TensorArgs { shape: Some(shape), name: Some(name), ..Default::default() }))
        .collect();
    let tensors = fbb.create_vector(&list);
    let io = fbb.create_vector(&[0i32]);
    let sg = fb::SubGraph::create(&mut fbb, &fb::SubGraphArgs { tensors: Some(tensors), inputs: Some(io), outputs: Some(io), ..Default::default() });
    let subgraphs = fbb.create_vector(&[sg]);
    let b0 = fb::Buffer::create(&mut fbb, &fb::BufferArgs::default());
    let buffers = fbb.create_vector(&[b0]);
    let root = fb::Model::create(&mut fbb, &fb::ModelArgs { version: 3, subgraphs: Some(subgraphs), buffers: Some(buffers), ..Default::default() });
    fb::finish_model_buffer(&mut fbb, root);
    case(v, "tensors_share_one_shape.tflite", "read", "reading it would take more than 8 times the file's size", fbb.finished_data().to_vec());
    // 20000 operators, all the same table: each reads and writes the same tensors.
    let mut m = float_chain().model_t();
    let one = ops(&mut m)[0].clone();
    let mut fbb = FlatBufferBuilder::new();
    let op = one.pack(&mut fbb);
    let list = vec![op; 20000];
    let operators = fbb.create_vector(&list);
    let sgt = &m.subgraphs.as_ref().expect("subgraphs")[0];
    let ts: Vec<_> = sgt.tensors.iter().flatten().map(|t| t.pack(&mut fbb)).collect();
    let tensors = fbb.create_vector(&ts);
    let inputs = fbb.create_vector(&[0i32]);
    let outputs = fbb.create_vector(&[3i32]);
    let sg = fb::SubGraph::create(
        &mut fbb,
        &fb::SubGraphArgs { tensors: Some(tensors), inputs: Some(inputs), outputs: Some(outputs), operators: Some(operators), ..Default::default() },
    );
    let subgraphs = fbb.create_vector(&[sg]);
    let bl: Vec<_> = m.buffers.iter().flatten().map(|b| b.pack(&mut fbb)).collect();
    let buffers = fbb.create_vector(&bl);
    let cl: Vec<_> = m.operator_codes.iter().flatten().map(|c| c.pack(&mut fbb)).collect();
    let operator_codes = fbb.create_vector(&cl);
    let root = fb::Model::create(
        &mut fbb,
        &fb::ModelArgs { version: 3, subgraphs: Some(subgraphs), buffers: Some(buffers), operator_codes: Some(operator_codes), ..Default::default() },
    );
    fb::finish_model_buffer(&mut fbb, root);
    case(v, "operators_share_one_table.tflite", "read", "apparent size too large", fbb.finished_data().to_vec());
}

// -------------------------------------------------------------------------------------------------
// Checking a case, as crate/tests/malformed.rs does.

fn analysis_text(m: &model::Model<'_>) -> String {
    use delegate_doctor::analyze;
    let r = analyze::report(m, &Default::default(), &analyze::ALL_LEVELS);
    analyze::render_text(&r) + &serde_json::to_string_pretty(&r).expect("json")
}

fn fix_text(bytes: &[u8], sdk: u32) -> String {
    use delegate_doctor::fixes;
    let mut o = fixes::FixOptions::default();
    o.target.sdk = sdk;
    match fixes::fix(bytes, &o) {
        Ok((out, r)) => {
            model::read(&out).expect("a fixed model reads");
            fixes::render_text(&r)
        }
        Err(e) => e.to_string(),
    }
}

fn check(c: &Case) -> Result<(), String> {
    match (c.stage, model::read(&c.bytes)) {
        ("read", Err(e)) if e.to_string().contains(&c.expect) => Ok(()),
        ("read", Err(e)) => Err(format!("{}: {e} lacks {:?}", c.name, c.expect)),
        ("read", Ok(_)) => Err(format!("{}: read accepts it", c.name)),
        (_, Err(e)) => Err(format!("{}: read refuses it: {e}", c.name)),
        (stage, Ok(m)) => {
            let a = analysis_text(&m);
            let f = fix_text(&c.bytes, if stage == "fix28" { 28 } else { 29 });
            let text = if stage == "analyze" { &a } else { &f };
            if text.contains(&c.expect) {
                Ok(())
            } else {
                let short: String = text.chars().take(3000).collect();
                Err(format!("{}: {stage} output lacks {:?}:\n{short}", c.name, c.expect))
            }
        }
    }
}

// -------------------------------------------------------------------------------------------------
// Seeds for the fuzzers: small valid models that reach the analysis and the fixes.

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("mini_deeplab.tflite".to_string(), mini_deeplab().finish()), ("float_chain.tflite".into(), float_chain().finish())];
    let dl = mini_deeplab().model_t();
    let mut tail = Vec::new();
    let mut moved = Vec::new();
    for (i, buf) in dl.buffers.as_ref().expect("buffers").iter().enumerate().skip(1) {
        let d = buf.data.clone().unwrap_or_default();
        moved.push((i, tail.len() as u64, d.len() as u64));
        tail.extend_from_slice(&d);
        tail.resize(tail.len().next_multiple_of(16), 0);
    }
    out.push(("mini_deeplab_offset_buffers.tflite".into(), pack_with_tail(&dl, &moved, &tail)));
    out.push((
        "float_chain_control_deps.tflite".into(),
        with_metadata(&float_chain(), "model_control_dependencies", control_deps(&[vec![(0, 1)]])),
    ));
    // Int64 operands, conv without bias, fp16 weights, SPLIT_V, a WHILE with its subgraphs.
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4, 4, 3]));
    let p = b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]));
    let xp = b.add(f32t("xp", &[1, 6, 6, 3]));
    let w16 = b.add(builder::const_bytes("w16", T::FLOAT16, &[2, 1, 1, 3], &[0, 60, 0, 60, 0, 60, 0, 60, 0, 60, 0, 60]));
    let w = b.add(f32t("w", &[2, 1, 1, 3]));
    let c = b.add(f32t("c", &[1, 6, 6, 2]));
    let sizes = b.add(const_i32("sizes", &[2], &[1, -1]));
    let axis = b.add(const_i32("axis", &[], &[3]));
    let s1 = b.add(f32t("s1", &[1, 6, 6, 1]));
    let s2 = b.add(f32t("s2", &[1, 6, 6, 1]));
    b.op(B::PAD, &[x, p], &[xp]);
    b.op(B::DEQUANTIZE, &[w16], &[w]);
    b.op(B::CONV_2D, &[xp, w], &[c]).options(opts!(Conv2DOptions { dilation_w_factor: 1, dilation_h_factor: 1 }));
    b.op(B::SPLIT_V, &[c, sizes, axis], &[s1, s2]).options(opts!(SplitVOptions { num_splits: 2 }));
    let wo = b.add(f32t("out", &[1, 6, 6, 1]));
    b.op(B::WHILE, &[s1], &[wo]).options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
    b.output(wo);
    b.output(s2);
    b.subgraph("cond");
    let ci = b.input(f32t("ci", &[1, 6, 6, 1]));
    let co = b.add(tensor("co", T::BOOL, &[]));
    let zero = b.add(const_f32("zero", &[], &[0.0]));
    b.op(B::LESS, &[ci, zero], &[co]);
    b.output(co);
    b.subgraph("body");
    let bi = b.input(f32t("bi", &[1, 6, 6, 1]));
    let bo = b.add(f32t("bo", &[1, 6, 6, 1]));
    b.op(B::RELU, &[bi], &[bo]);
    b.output(bo);
    out.push(("mixed_ops_control_flow.tflite".into(), b.finish()));
    out
}

// -------------------------------------------------------------------------------------------------

fn write_dir(dir: &Path, files: &[(String, Vec<u8>)], manifest: Option<String>) {
    std::fs::create_dir_all(dir).expect("create dir");
    // Remove stale files we made before (only our own extensions), so renames do not leave junk.
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_file() {
            std::fs::remove_file(&p).expect("remove stale file");
        }
    }
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
    if let Some(m) = manifest {
        std::fs::write(dir.join("expected.tsv"), m).expect("write manifest");
    }
}

fn main() {
    let root: PathBuf = std::env::args().nth(1).map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."), PathBuf::from);
    let mut cases = Vec::new();
    fuzz_findings(&mut cases, &root);
    not_models(&mut cases);
    damaged_flatbuffers(&mut cases);
    inconsistent(&mut cases);
    hostile(&mut cases);
    amplified(&mut cases);
    repeated(&mut cases);
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "file names are unique");
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    if !failures.is_empty() {
        eprintln!("{}\n{} cases do not behave as stated; nothing written", failures.join("\n\n"), failures.len());
        std::process::exit(1);
    }
    assert!(cases.iter().all(|c| !c.expect.contains('\t') && !c.expect.contains('\n')));
    let mut manifest = String::from("# file\tstage\texpected text (see crate/examples/make_malformed.rs)\n");
    for c in &cases {
        manifest += &format!("{}\t{}\t{}\n", c.name, c.stage, c.expect);
    }
    let files: Vec<(String, Vec<u8>)> = cases.iter().map(|c| (c.name.clone(), c.bytes.clone())).collect();
    write_dir(&root.join("tests/malformed"), &files, Some(manifest));
    let seeds = seeds();
    for (name, bytes) in &seeds {
        model::read(bytes).unwrap_or_else(|e| panic!("seed {name} must read: {e}"));
    }
    write_dir(&root.join("fuzz/seeds"), &seeds, None);
    println!("wrote {} malformed files and {} fuzz seeds", cases.len(), seeds.len());
}
