//! "Compare outputs": the same deterministic inputs into two models (the original and the fixed
//! one), and per output the share of identical values and the largest absolute difference.

use super::engine::Engine;
use super::program::{Element, TensorInfo};
use super::tensor::Buf;

/// A small deterministic generator (SplitMix64), the same on every target.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [−1, 1) with 24-bit resolution (exact in float32).
    fn unit(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u32 << 23) as f32) - 1.0
    }
}

/// Integer inputs (indices, sizes) get small values: 0..INT_RANGE.
const INT_RANGE: u64 = 16;

/// One seeded buffer per input, in each input's type and range: every uint8/int8 value, floats
/// uniform in [−1, 1) (the range image models expect), integers in 0..16. Input `i` uses its own
/// stream, so adding an input does not change the others.
pub fn seeded_inputs(inputs: &[TensorInfo], seed: u64) -> Vec<Buf> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, info)| {
            let mut g = SplitMix::new(seed ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
            let n = info.len();
            match info.element {
                Element::U8 => Buf::U8((0..n).map(|_| g.next_u64() as u8).collect()),
                Element::I8 => Buf::I8((0..n).map(|_| g.next_u64() as i8).collect()),
                Element::F32 => Buf::F32((0..n).map(|_| g.unit()).collect()),
                Element::I32 => Buf::I32((0..n).map(|_| (g.next_u64() % INT_RANGE) as i32).collect()),
                Element::I64 => Buf::I64((0..n).map(|_| (g.next_u64() % INT_RANGE) as i64).collect()),
            }
        })
        .collect()
}

/// How one output of the fixed model compares with the original's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutputComparison {
    pub name: String,
    pub original: String,
    pub fixed: String,
    /// Values compared (0 when the outputs cannot be compared).
    pub values: usize,
    /// Values that are exactly equal (as numbers: an int64 3 equals an int32 3).
    pub identical: usize,
    pub max_abs_diff: f64,
    /// Why the output was not compared (different sizes), if it was not.
    pub note: Option<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    pub seed: u64,
    pub inputs: Vec<String>,
    pub outputs: Vec<OutputComparison>,
}

fn describe(t: &TensorInfo) -> String {
    format!("{}{:?}", t.element.name(), t.shape)
}

/// Runs both models on the same seeded inputs. The models must take the same inputs (count,
/// shapes and types); outputs are paired in order.
pub fn compare(original: &mut Engine, fixed: &mut Engine, seed: u64) -> Result<Comparison, String> {
    let (a, b) = (original.inputs().to_vec(), fixed.inputs().to_vec());
    if a.len() != b.len() || a.iter().zip(&b).any(|(x, y)| x.shape != y.shape || x.element != y.element) {
        let list = |l: &[TensorInfo]| l.iter().map(describe).collect::<Vec<_>>().join(", ");
        return Err(format!("the models take different inputs ({} vs {}), so they cannot get the same ones", list(&a), list(&b)));
    }
    let inputs = seeded_inputs(&a, seed);
    let out_a = original.run(inputs.clone())?;
    let out_b = fixed.run(inputs)?;
    let infos_a = original.outputs().to_vec();
    let infos_b = fixed.outputs().to_vec();
    let mut outputs = Vec::new();
    for (i, (ia, ib)) in infos_a.iter().zip(&infos_b).enumerate() {
        outputs.push(compare_one(ia, ib, &out_a[i], &out_b[i]));
    }
    // Outputs only one model has are listed, not compared.
    let n = infos_a.len().min(infos_b.len());
    for extra in infos_a[n..].iter().chain(&infos_b[n..]) {
        outputs.push(OutputComparison {
            name: extra.name.clone(),
            original: String::new(),
            fixed: String::new(),
            values: 0,
            identical: 0,
            max_abs_diff: 0.0,
            note: Some(format!("only one model has this output ({} outputs vs {})", infos_a.len(), infos_b.len())),
        });
    }
    Ok(Comparison { seed, inputs: a.iter().map(|t| format!("{} {}", t.name, describe(t))).collect(), outputs })
}

fn compare_one(ia: &TensorInfo, ib: &TensorInfo, a: &Buf, b: &Buf) -> OutputComparison {
    let mut c = OutputComparison {
        name: ia.name.clone(),
        original: describe(ia),
        fixed: describe(ib),
        values: 0,
        identical: 0,
        max_abs_diff: 0.0,
        note: None,
    };
    if a.len() != b.len() {
        c.note = Some(format!("{} values vs {}: not comparable", a.len(), b.len()));
        return c;
    }
    let (va, vb) = (a.to_f64(), b.to_f64());
    c.values = va.len();
    for (x, y) in va.iter().zip(&vb) {
        if x == y {
            c.identical += 1;
        }
        let d = (x - y).abs();
        if d > c.max_abs_diff || d.is_nan() {
            c.max_abs_diff = if d.is_nan() { f64::INFINITY } else { d };
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_inputs_are_deterministic_and_in_range() {
        let info = |e| TensorInfo { index: 0, name: "x".into(), shape: vec![1, 8, 8, 3], element: e, quant: None };
        let a = seeded_inputs(&[info(Element::F32), info(Element::U8)], 7);
        assert_eq!(a, seeded_inputs(&[info(Element::F32), info(Element::U8)], 7));
        assert_ne!(a, seeded_inputs(&[info(Element::F32), info(Element::U8)], 8));
        assert!(a[0].f32().iter().all(|v| (-1.0..1.0).contains(v)));
        assert!(a[1].u8().iter().any(|&v| v > 200) && a[1].u8().iter().any(|&v| v < 50));
        // The first input's values do not depend on the second input.
        assert_eq!(seeded_inputs(&[info(Element::F32)], 7)[0], a[0]);
    }
}
