//! The partitioner on constructed graphs: islands, diamonds, side-effect chains, control edges,
//! non-greedy mode, node fusion off, cycles.
use delegate_doctor::partition::*;

/// Node k reads the listed tensors and writes tensor k+1 (tensor 0 is the graph input).
fn chain(reads: &[&[i32]], outputs: &[i32]) -> Graph {
    let nodes = reads
        .iter()
        .enumerate()
        .map(|(k, r)| Node { inputs: r.to_vec(), outputs: vec![k as i32 + 1], side_effect: false })
        .collect();
    Graph { nodes, tensor_count: reads.len() + 1, outputs: outputs.to_vec() }
}

fn kinds_and_nodes(s: &[Subset]) -> Vec<(Kind, Vec<usize>)> {
    s.iter().map(|s| (s.kind, s.nodes.clone())).collect()
}

#[test]
fn worked_example_of_the_digest() {
    // 0 D t0→t1, 1 D t1→t2, 2 C t2→t3, 3 D t2→t4, 4 D t3→t5, 5 C t5→t6, 6 D t4,t6→t7, 7 C t7→t8
    let g = chain(&[&[0], &[1], &[2], &[2], &[3], &[5], &[4, 6], &[7]], &[8]);
    let cpu = [2, 5, 7];
    let s = partition(&g, |i| !cpu.contains(&i), &Options::greedy()).unwrap();
    use Kind::*;
    assert_eq!(
        kinds_and_nodes(&s),
        vec![(Delegate, vec![0, 1, 3]), (Cpu, vec![2]), (Delegate, vec![4]), (Cpu, vec![5]), (Delegate, vec![6]), (Cpu, vec![7])]
    );
    assert_eq!(s[0].outputs, vec![2, 4]);
    assert_eq!(s[0].inputs, vec![0]);
    assert_eq!(s[4].inputs, vec![4, 6]);
    assert_eq!(s[5].outputs, vec![8]);
}

#[test]
fn non_greedy_keeps_plan_order() {
    let g = chain(&[&[0], &[1], &[2], &[2], &[3], &[5], &[4, 6], &[7]], &[8]);
    let cpu = [2, 5, 7];
    let opts = Options { greedy: false, ..Default::default() };
    let s = partition(&g, |i| !cpu.contains(&i), &opts).unwrap();
    use Kind::*;
    assert_eq!(
        kinds_and_nodes(&s),
        vec![
            (Delegate, vec![0, 1]),
            (Cpu, vec![2]),
            (Delegate, vec![3, 4]),
            (Cpu, vec![5]),
            (Delegate, vec![6]),
            (Cpu, vec![7])
        ]
    );
}

#[test]
fn diamond_stays_in_one_subset() {
    // 0: t0→t1; 1: t1→t2; 2: t1→t3; 3: t2,t3→t4
    let g = chain(&[&[0], &[1], &[1], &[2, 3]], &[4]);
    let s = partition(&g, |_| true, &Options::greedy()).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].nodes, vec![0, 1, 2, 3]);
    assert_eq!(s[0].inputs, vec![0]);
    assert_eq!(s[0].outputs, vec![4]);
}

#[test]
fn an_island_of_cpu_work_on_a_side_branch() {
    // 0 D: t0→t1; 1 C: t0→t2 (independent); 2 D: t1,t2→t3. First ready node is 0 → delegate first.
    let g = chain(&[&[0], &[0], &[1, 2]], &[3]);
    let s = partition(&g, |i| i != 1, &Options::greedy()).unwrap();
    use Kind::*;
    assert_eq!(kinds_and_nodes(&s), vec![(Delegate, vec![0]), (Cpu, vec![1]), (Delegate, vec![2])]);
}

#[test]
fn first_node_decides_the_first_subset_kind() {
    let g = chain(&[&[0], &[1]], &[2]);
    let s = partition(&g, |i| i == 1, &Options::greedy()).unwrap();
    assert_eq!(s[0].kind, Kind::Cpu);
    assert_eq!(s[1].kind, Kind::Delegate);
}

#[test]
fn side_effect_chain_orders_independent_nodes() {
    // Three independent nodes off the input; 0 and 2 have side effects, 1 is CPU.
    // Without the chain, 0 and 2 would join one delegate subset; with it, 2 still can (its
    // only predecessor, 0, is assigned first). Make 1 a side-effect too: 2 must wait for 1.
    let mut g = chain(&[&[0], &[0], &[0]], &[1, 2, 3]);
    for i in [0, 1, 2] {
        g.nodes[i].side_effect = true;
    }
    let s = partition(&g, |i| i != 1, &Options::greedy()).unwrap();
    use Kind::*;
    assert_eq!(kinds_and_nodes(&s), vec![(Delegate, vec![0]), (Cpu, vec![1]), (Delegate, vec![2])]);
    g.nodes[1].side_effect = false;
    let s = partition(&g, |i| i != 1, &Options::greedy()).unwrap();
    assert_eq!(kinds_and_nodes(&s), vec![(Delegate, vec![0, 2]), (Cpu, vec![1])]);
}

#[test]
fn non_greedy_ignores_side_effects_without_explicit_edges() {
    let mut g = chain(&[&[0], &[0], &[0]], &[1, 2, 3]);
    for i in [0, 1, 2] {
        g.nodes[i].side_effect = true;
    }
    let opts = Options { greedy: false, ..Default::default() };
    let s = partition(&g, |i| i != 1, &opts).unwrap();
    assert_eq!(s.len(), 3);
}

#[test]
fn explicit_control_edges_are_respected() {
    let g = chain(&[&[0], &[0], &[0]], &[1, 2, 3]);
    let opts = Options { greedy: true, control_edges: Some(vec![(1, 2)]), ..Default::default() };
    let s = partition(&g, |i| i != 1, &opts).unwrap();
    use Kind::*;
    assert_eq!(kinds_and_nodes(&s), vec![(Delegate, vec![0]), (Cpu, vec![1]), (Delegate, vec![2])]);
    let bad = Options { greedy: true, control_edges: Some(vec![(1, 9)]), ..Default::default() };
    assert_eq!(partition(&g, |_| true, &bad), Err(PartitionError::BadControlEdge { from: 1, to: 9 }));
}

#[test]
fn node_fusion_disabled_gives_one_node_per_subset() {
    let g = chain(&[&[0], &[1], &[2]], &[3]);
    let opts = Options { greedy: true, disable_node_fusion: true, ..Default::default() };
    let s = partition(&g, |_| true, &opts).unwrap();
    assert_eq!(s.iter().map(|s| s.nodes.len()).collect::<Vec<_>>(), vec![1, 1, 1]);
}

#[test]
fn a_cycle_is_an_error_not_a_hang() {
    // 0 reads t2 (made by 1), 1 reads t1 (made by 0).
    let g = chain(&[&[2], &[1]], &[2]);
    assert_eq!(partition(&g, |_| true, &Options::greedy()), Err(PartitionError::Unschedulable { nodes: vec![0, 1] }));
}

#[test]
fn graph_input_forwarded_as_output_is_not_a_subset_output() {
    let g = chain(&[&[0]], &[0, 1]);
    let s = partition(&g, |_| true, &Options::greedy()).unwrap();
    assert_eq!(s[0].outputs, vec![1]);
}

#[test]
fn optional_inputs_are_ignored() {
    let g = chain(&[&[0, -1]], &[1]);
    let s = partition(&g, |_| true, &Options::greedy()).unwrap();
    assert_eq!(s[0].inputs, vec![0]);
}

/// A small deterministic generator (no dependency needed for this).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Random graphs, in plan order or not, with optional inputs, duplicate reads, side effects and
/// control edges: the fast greedy partitioner equals TFLite's scanning algorithm on every one.
#[test]
fn greedy_from_ready_sets_equals_scanning_on_random_graphs() {
    let mut rng = Lcg(7);
    for case in 0..3000 {
        let n = 1 + rng.next(40) as usize;
        let tensor_count = n + 1 + rng.next(5) as usize;
        let order_shuffled = rng.next(4) == 0;
        let mut nodes: Vec<Node> = (0..n)
            .map(|k| {
                let reads = 1 + rng.next(3) as usize;
                let inputs = (0..reads)
                    .map(|_| match rng.next(10) {
                        0 => -1,
                        1 => (n + 1 + rng.next((tensor_count - n - 1).max(1) as u64) as usize).min(tensor_count - 1) as i32,
                        _ if order_shuffled => rng.next(n as u64 + 1) as i32,
                        _ => rng.next(k as u64 + 1) as i32,
                    })
                    .collect();
                Node { inputs, outputs: vec![k as i32 + 1], side_effect: rng.next(6) == 0 }
            })
            .collect();
        if order_shuffled && n > 1 {
            let a = rng.next(n as u64) as usize;
            let b = rng.next(n as u64) as usize;
            nodes.swap(a, b);
        }
        let g = Graph { nodes, tensor_count, outputs: vec![n as i32] };
        let mask: Vec<bool> = (0..n).map(|_| rng.next(3) != 0).collect();
        let edges = (rng.next(5) == 0).then(|| {
            (0..rng.next(4)).map(|_| (rng.next(n as u64) as usize, rng.next(n as u64) as usize)).filter(|(a, b)| a < b).collect()
        });
        let opts = Options { greedy: true, control_edges: edges, disable_node_fusion: false };
        let fast = partition(&g, |i| mask[i], &opts);
        let slow = partition_by_scanning(&g, |i| mask[i], &opts);
        assert_eq!(fast, slow, "case {case}: {g:?} mask {mask:?}");
    }
}
