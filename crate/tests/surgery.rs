//! The draft writer: an unchanged draft writes a model equal in every table and byte-identical in
//! every buffer, also for buffers stored after the flatbuffer.

use delegate_doctor::builder::{const_f32, tensor, ModelBuilder};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::surgery::Draft;
use tflite_schema::tflite as fb;

fn deeplab(name: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/models/deeplab/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Every tensor's constant bytes, by (subgraph, tensor).
fn tensor_data(bytes: &[u8]) -> Vec<Option<Vec<u8>>> {
    let m = model::read(bytes).unwrap();
    m.subgraphs.iter().flat_map(|s| s.tensors.iter().map(|t| m.data(t).map(|d| d.to_vec()))).collect()
}

fn everything_but_buffers(bytes: &[u8]) -> fb::ModelT {
    let mut t = fb::root_as_model(bytes).unwrap().unpack();
    t.buffers = None;
    t
}

#[test]
fn an_unchanged_deeplab_round_trips() {
    let original = deeplab("deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
    let written = Draft::open(&original).unwrap().write().unwrap();
    assert_eq!(everything_but_buffers(&written), everything_but_buffers(&original));
    assert_eq!(tensor_data(&written), tensor_data(&original));
    // Buffer data is 16-byte aligned, as the schema asks.
    let m = fb::root_as_model(&written).unwrap();
    for b in m.buffers().unwrap().iter() {
        if let Some(d) = b.data() {
            assert_eq!((d.bytes().as_ptr() as usize - written.as_ptr() as usize) % 16, 0);
        }
    }
}

/// A small model whose weights are stored after the flatbuffer (offset/size), as >2 GB models are.
fn offset_buffer_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let w = b.add(const_f32("w", &[4, 4], &[0.5; 16]));
    let bias = b.add(const_f32("b", &[4], &[1.0, 2.0, 3.0, 4.0]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[y]);
    b.output(y);
    b.finish_with_offset_buffers()
}

#[test]
fn offset_buffers_move_with_the_flatbuffer_and_keep_their_bytes() {
    let original = offset_buffer_model();
    let m = model::read(&original).unwrap();
    assert!(m.uses_offset_buffers);
    let mut draft = Draft::open(&original).unwrap();
    // Grow the flatbuffer so the tail must move.
    draft.add_const_i32("a_new_constant", &[3], &[1, 2, 3]);
    let written = draft.write().unwrap();
    assert_ne!(written.len(), original.len());
    let before = tensor_data(&original);
    let after = tensor_data(&written);
    assert_eq!(&after[..before.len()], &before[..]);
    assert_eq!(after.last().unwrap().as_deref(), Some(&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0][..]));
    assert!(model::read(&written).unwrap().uses_offset_buffers);
}
