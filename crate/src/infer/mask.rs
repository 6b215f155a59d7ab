//! One-channel soft masks (MediaPipe's selfie segmenters): a float32 image in, a float32
//! `[1, h, w, 1]` probability map out, shown over the photo with a threshold rather than as a
//! class map.

use super::engine::Engine;
use super::program::{Element, TensorInfo};
use super::tensor::Buf;

/// MediaPipe's image convention for these models: pixels scaled to [0, 1] (the selfie models'
/// documentation, ../shared/models/mediapipe/SOURCE.md).
pub const MASK_INPUT_SCALE: f32 = 1.0 / 255.0;

/// A model whose input 0 is a float32 RGB image and whose output 0 is a float32 one-channel map.
#[derive(Debug)]
pub struct SoftMask {
    pub engine: Engine,
    width: usize,
    height: usize,
}

/// Whether output 0 is a float32 one-channel map `[1, h, w, 1]`.
pub fn is_soft_mask(out: &TensorInfo) -> bool {
    out.element == Element::F32 && matches!(out.shape.as_slice(), [1, _, _, 1])
}

impl SoftMask {
    pub fn new(bytes: &[u8]) -> Result<SoftMask, String> {
        let engine = Engine::new(bytes)?;
        SoftMask::from_engine(engine)
    }

    pub fn from_engine(engine: Engine) -> Result<SoftMask, String> {
        let input = &engine.program.inputs[0];
        let Some(shape) = input.image_shape().filter(|s| s.c == 3 && input.element == Element::F32) else {
            return Err(format!("the input \"{}\" is {}{:?}; a float32 RGB image [1, height, width, 3] is needed", input.name, input.element.name(), input.shape));
        };
        let out = &engine.program.outputs[0];
        if !is_soft_mask(out) {
            return Err(format!("the output \"{}\" is {}{:?}; a soft mask is float32 [1, height, width, 1]", out.name, out.element.name(), out.shape));
        }
        Ok(SoftMask { engine, width: shape.w, height: shape.h })
    }

    /// (width, height) of the images the model takes.
    pub fn input_size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// (width, height) of the mask.
    pub fn mask_size(&self) -> (usize, usize) {
        let s = &self.engine.program.outputs[0].shape;
        (s[2], s[1])
    }

    /// The float input for packed RGB8 pixels of exactly the input size, and zeros for any
    /// further inputs.
    pub fn inputs(&self, rgb: &[u8]) -> Result<Vec<Buf>, String> {
        let (w, h) = (self.width, self.height);
        if rgb.len() != w * h * 3 {
            return Err(format!("the image has {} bytes; {w}×{h} RGB needs {}", rgb.len(), w * h * 3));
        }
        let image = Buf::F32(rgb.iter().map(|&p| p as f32 * MASK_INPUT_SCALE).collect());
        let rest = self.engine.program.inputs[1..].iter().map(|i| Buf::from_le_bytes(i.element, &vec![0; i.len() * i.element.size()]).unwrap_or_default());
        Ok(std::iter::once(image).chain(rest).collect())
    }

    /// The soft mask of the image, row-major.
    pub fn run(&mut self, rgb: &[u8]) -> Result<Vec<f32>, String> {
        let inputs = self.inputs(rgb)?;
        let mut outputs = self.engine.run(inputs)?;
        match std::mem::take(&mut outputs[0]) {
            Buf::F32(v) => Ok(v),
            _ => Err("the mask is not float32".into()),
        }
    }
}
