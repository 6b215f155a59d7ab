//! Benchmark: partitioning a long chain whose ops alternate between delegated and not (the worst
//! case for TFLite's rescanning algorithm), ready-set greedy vs the literal scan.
//! Run: `cargo run --release --example bench_partition`.

use std::time::Instant;

use delegate_doctor::partition::{partition, partition_by_scanning, Graph, Node, Options};

fn chain(n: usize) -> Graph {
    let nodes = (0..n).map(|k| Node { inputs: vec![k as i32], outputs: vec![k as i32 + 1], side_effect: false }).collect();
    Graph { nodes, tensor_count: n + 1, outputs: vec![n as i32] }
}

fn main() {
    for n in [1_000, 4_000, 16_000, 32_000] {
        let g = chain(n);
        let t = Instant::now();
        let fast = partition(&g, |i| i % 2 == 0, &Options::greedy()).map(|s| s.len());
        let t_fast = t.elapsed();
        let t = Instant::now();
        let slow = partition_by_scanning(&g, |i| i % 2 == 0, &Options::greedy()).map(|s| s.len());
        let t_slow = t.elapsed();
        assert_eq!(fast, slow);
        println!("{n:>6} ops, {:>6} partitions: ready sets {:>9.2?}, scanning {:>9.2?}", fast.unwrap_or(0), t_fast, t_slow);
    }
}
