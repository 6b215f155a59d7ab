//! The "model_control_dependencies" metadata: explicit control edges per subgraph, which replace the
//! side-effect chain when partitioning (tflite/core/interpreter.cc `SetMetadata`; the encoding is
//! tflite/converter/experimental/remat/metadata_util.cc: little-endian base-128 varints, signed
//! values zig-zag encoded, vectors as a count then the items, preceded by format version 1).

use crate::model::Model;

pub const METADATA_KEY: &str = "model_control_dependencies";
const FORMAT_VERSION: u32 = 1;

struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn unsigned(&mut self) -> Option<u32> {
        let mut value: u64 = 0;
        let mut shift = 0;
        loop {
            let (&b, rest) = self.data.split_first()?;
            self.data = rest;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return u32::try_from(value).ok();
            }
            shift += 7;
            if shift > 35 {
                return None;
            }
        }
    }
    fn signed(&mut self) -> Option<i32> {
        let v = self.unsigned()?;
        let magnitude = (v / 2) as i32;
        Some(if v % 2 == 1 { -magnitude - 1 } else { magnitude })
    }
    /// A count that cannot exceed what is left (each item takes at least one byte).
    fn count(&mut self) -> Option<usize> {
        let n = self.unsigned()? as usize;
        (n <= self.data.len()).then_some(n)
    }
}

/// All subgraphs' edges, or None when the metadata is absent, malformed, or counts other subgraphs
/// than the model has (the interpreter then ignores it).
pub fn parse(data: &[u8], subgraph_count: usize) -> Option<Vec<Vec<(i32, i32)>>> {
    let mut r = Reader { data };
    if r.unsigned()? != FORMAT_VERSION {
        return None;
    }
    let n = r.count()?;
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let m = r.count()?;
        let mut edges = Vec::with_capacity(m);
        for _ in 0..m {
            edges.push((r.signed()?, r.signed()?));
        }
        all.push(edges);
    }
    (r.data.is_empty() && all.len() == subgraph_count).then_some(all)
}

/// Edges for one subgraph, for the partitioner. Negative node indices are passed on as out of range
/// so that partitioning fails as it does in TFLite.
pub fn for_subgraph(model: &Model<'_>, si: usize) -> Option<Vec<(usize, usize)>> {
    let entry = model.metadata.iter().find(|m| m.name == METADATA_KEY)?;
    let data = model.metadata_bytes(entry)?;
    let all = parse(data, model.subgraphs.len())?;
    let to_index = |v: i32| usize::try_from(v).unwrap_or(usize::MAX);
    Some(all.get(si)?.iter().map(|&(a, b)| (to_index(a), to_index(b))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_edges_and_rejects_garbage() {
        // version 1; 1 subgraph; 2 edges: (0,2) (1,3) zig-zag encoded as 0,4 and 2,6.
        let data = [1, 1, 2, 0, 4, 2, 6];
        assert_eq!(parse(&data, 1), Some(vec![vec![(0, 2), (1, 3)]]));
        assert_eq!(parse(&data, 2), None);
        assert_eq!(parse(&[2, 0], 0), None);
        assert_eq!(parse(&[1, 1, 0xff, 0xff, 0xff, 0xff, 0x7f], 1), None);
        assert_eq!(parse(&[1, 1, 2, 0, 4, 2], 1), None);
        // -1 is zig-zag 1
        assert_eq!(parse(&[1, 1, 1, 1, 0], 1), Some(vec![vec![(-1, 0)]]));
    }
}
