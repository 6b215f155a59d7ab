//! Splitting an execution plan into runs of delegated and non-delegated nodes, exactly as
//! TensorFlow Lite's `PartitionGraphIntoIndependentNodeSubsets` does (`tflite/graph_info.cc`).
//!
//! Knows nothing about any delegate: the caller says which nodes are to be delegated.

use std::collections::BTreeSet;
use std::fmt;

/// One node of the execution plan, by tensor indices (-1 = omitted optional tensor).
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    /// `Subgraph::OpMightHaveSideEffect`: reads or writes a resource, or is IF/WHILE/CALL_ONCE.
    pub side_effect: bool,
}

/// The graph as the partitioner sees it: nodes in execution-plan order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub tensor_count: usize,
    pub outputs: Vec<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Delegate,
    Cpu,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subset {
    pub kind: Kind,
    /// Node indices in the order they were assigned.
    pub nodes: Vec<usize>,
    /// Sorted, unique tensor indices read from outside the subset (constants and graph inputs too).
    pub inputs: Vec<i32>,
    /// Sorted, unique tensor indices read by later subsets, plus graph outputs produced here.
    pub outputs: Vec<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Greedy clustering (the default); false = `--disable_delegate_clustering`.
    pub greedy: bool,
    /// Explicit control edges (from the "model_control_dependencies" metadata). When absent and
    /// greedy, side-effecting nodes are chained in plan order.
    pub control_edges: Option<Vec<(usize, usize)>>,
    /// Every subset holds a single node (preserve-all-tensors interpreters).
    pub disable_node_fusion: bool,
}

impl Options {
    pub fn greedy() -> Self {
        Options { greedy: true, ..Default::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionError {
    /// Some nodes can never run: a cycle, or a node reading a tensor only it (or a later node in a cycle) produces.
    Unschedulable { nodes: Vec<usize> },
    BadControlEdge { from: usize, to: usize },
    BadTensor { node: usize, tensor: i32 },
}

impl fmt::Display for PartitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionError::Unschedulable { nodes } => {
                let shown: Vec<String> = nodes.iter().take(10).map(|n| n.to_string()).collect();
                write!(f, "nodes {} can never run: they wait on each other's outputs (a cycle in the graph)", shown.join(", "))
            }
            PartitionError::BadControlEdge { from, to } => {
                write!(f, "control edge {from} → {to} names a node outside the execution plan")
            }
            PartitionError::BadTensor { node, tensor } => {
                write!(f, "node {node} refers to tensor {tensor}, which does not exist")
            }
        }
    }
}

impl std::error::Error for PartitionError {}

/// Epoch of a tensor or node: not yet assigned, always available (graph inputs, constants),
/// or the index of the subset that produced it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Epoch {
    NotReady,
    AlwaysReady,
    Subset(usize),
}

struct Partitioner<'g> {
    graph: &'g Graph,
    delegated: Vec<bool>,
    opts: &'g Options,
    edges: Vec<(usize, usize)>,
    pending_edges: Vec<usize>,
    tensor_epoch: Vec<Epoch>,
    node_epoch: Vec<Epoch>,
    subsets: Vec<Subset>,
    current_kind: Option<Kind>,
    /// Every node before this index is assigned. Scans start here: the nodes skipped would fail
    /// before anything succeeds in the scan, which changes nothing in either mode.
    first_open: usize,
    /// Scan the plan as TFLite does (always used for non-greedy mode and one-node subsets).
    scanning: bool,
    /// Event bookkeeping for greedy mode: unassigned nodes whose inputs and control
    /// predecessors are all assigned, by kind; input slots still waiting; readers of each tensor.
    ready: [BTreeSet<usize>; 2],
    waiting_inputs: Vec<usize>,
    readers: Vec<Vec<usize>>,
}

/// Partition `graph`, delegating the nodes for which `delegable` is true.
///
/// Greedy mode gives the same subsets as TFLite's repeated scans but finds the next node from the
/// set of ready nodes instead of rescanning the plan (linear-logarithmic instead of quadratic in
/// the number of partitions); `partition_by_scanning` is the literal algorithm.
pub fn partition(
    graph: &Graph,
    delegable: impl Fn(usize) -> bool,
    opts: &Options,
) -> Result<Vec<Subset>, PartitionError> {
    run_partitioner(graph, delegable, opts, opts.disable_node_fusion || !opts.greedy)
}

/// TFLite's algorithm step by step: every subset scans the whole plan until nothing changes.
pub fn partition_by_scanning(
    graph: &Graph,
    delegable: impl Fn(usize) -> bool,
    opts: &Options,
) -> Result<Vec<Subset>, PartitionError> {
    run_partitioner(graph, delegable, opts, true)
}

fn run_partitioner(
    graph: &Graph,
    delegable: impl Fn(usize) -> bool,
    opts: &Options,
    scanning: bool,
) -> Result<Vec<Subset>, PartitionError> {
    check_tensors(graph)?;
    let edges = control_edges(graph, opts)?;
    let n = graph.nodes.len();
    let p = Partitioner {
        graph,
        delegated: (0..n).map(&delegable).collect(),
        opts,
        pending_edges: incoming_counts(n, &edges),
        edges,
        tensor_epoch: vec![Epoch::AlwaysReady; graph.tensor_count],
        node_epoch: vec![Epoch::NotReady; n],
        subsets: Vec::new(),
        current_kind: None,
        first_open: 0,
        scanning,
        ready: [BTreeSet::new(), BTreeSet::new()],
        waiting_inputs: vec![0; n],
        readers: vec![Vec::new(); graph.tensor_count],
    };
    p.run()
}

fn check_tensors(graph: &Graph) -> Result<(), PartitionError> {
    for (i, node) in graph.nodes.iter().enumerate() {
        for &t in node.inputs.iter().chain(node.outputs.iter()) {
            if t != -1 && (t < 0 || t as usize >= graph.tensor_count) {
                return Err(PartitionError::BadTensor { node: i, tensor: t });
            }
        }
    }
    for &t in &graph.outputs {
        if t < 0 || t as usize >= graph.tensor_count {
            return Err(PartitionError::BadTensor { node: usize::MAX, tensor: t });
        }
    }
    Ok(())
}

/// Explicit edges, or (greedy only) a chain through the side-effecting nodes; sorted and unique.
fn control_edges(graph: &Graph, opts: &Options) -> Result<Vec<(usize, usize)>, PartitionError> {
    let mut edges = match &opts.control_edges {
        Some(e) => e.clone(),
        None if opts.greedy => side_effect_chain(graph),
        None => Vec::new(),
    };
    let n = graph.nodes.len();
    if let Some(&(from, to)) = edges.iter().find(|&&(a, b)| a >= n || b >= n) {
        return Err(PartitionError::BadControlEdge { from, to });
    }
    edges.sort_unstable();
    edges.dedup();
    Ok(edges)
}

fn side_effect_chain(graph: &Graph) -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    let mut last = None;
    for (i, node) in graph.nodes.iter().enumerate() {
        if node.side_effect {
            if let Some(prev) = last {
                edges.push((prev, i));
            }
            last = Some(i);
        }
    }
    edges
}

fn incoming_counts(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut counts = vec![0; n];
    for &(_, to) in edges {
        counts[to] += 1;
    }
    counts
}

impl Partitioner<'_> {
    fn run(mut self) -> Result<Vec<Subset>, PartitionError> {
        for node in &self.graph.nodes {
            for &t in &node.outputs {
                if t != -1 {
                    self.tensor_epoch[t as usize] = Epoch::NotReady;
                }
            }
        }
        self.start_events();
        while if self.scanning { self.build_subset() } else { self.build_subset_from_ready() } {}
        let stuck: Vec<usize> = (0..self.graph.nodes.len()).filter(|&i| self.node_epoch[i] == Epoch::NotReady).collect();
        if !stuck.is_empty() {
            return Err(PartitionError::Unschedulable { nodes: stuck });
        }
        for &t in &self.graph.outputs {
            if let Epoch::Subset(s) = self.tensor_epoch[t as usize] {
                self.subsets[s].outputs.push(t);
            }
        }
        for s in &mut self.subsets {
            s.inputs.sort_unstable();
            s.inputs.dedup();
            s.outputs.sort_unstable();
            s.outputs.dedup();
        }
        Ok(self.subsets)
    }

    /// Fills one subset by repeated scans of the plan; false when no node could be added.
    fn build_subset(&mut self) -> bool {
        self.subsets.push(Subset { kind: Kind::Cpu, nodes: Vec::new(), inputs: Vec::new(), outputs: Vec::new() });
        self.current_kind = None;
        loop {
            let mut progress = false;
            while self.first_open < self.graph.nodes.len() && self.node_epoch[self.first_open] != Epoch::NotReady {
                self.first_open += 1;
            }
            for i in self.first_open..self.graph.nodes.len() {
                if self.try_assign(i) {
                    progress = true;
                } else if progress && !self.opts.greedy {
                    // Non-greedy: a subset ends at the first node that cannot join it.
                    return self.finish_subset();
                }
            }
            if !progress {
                return self.finish_subset();
            }
        }
    }

    /// Readers of every tensor, waiting input slots, and the nodes ready at the start.
    fn start_events(&mut self) {
        for (i, node) in self.graph.nodes.iter().enumerate() {
            for &t in node.inputs.iter().filter(|&&t| t != -1) {
                self.readers[t as usize].push(i);
                if self.tensor_epoch[t as usize] == Epoch::NotReady {
                    self.waiting_inputs[i] += 1;
                }
            }
        }
        for i in 0..self.graph.nodes.len() {
            self.mark_if_ready(i);
        }
    }

    fn mark_if_ready(&mut self, i: usize) {
        if self.node_epoch[i] == Epoch::NotReady && self.waiting_inputs[i] == 0 && self.pending_edges[i] == 0 {
            let k = kind_index(self.kind_of(i));
            self.ready[k].insert(i);
        }
    }

    /// Greedy mode from the ready sets: the first ready node decides the kind; then, pass after
    /// pass, the next ready node of that kind at or after the scan position joins, exactly as a
    /// plan scan would reach it; a pass without progress ends the subset.
    fn build_subset_from_ready(&mut self) -> bool {
        self.subsets.push(Subset { kind: Kind::Cpu, nodes: Vec::new(), inputs: Vec::new(), outputs: Vec::new() });
        let epoch = self.subsets.len() - 1;
        let first = self.ready.iter().filter_map(|r| r.first().copied()).min();
        let Some(first) = first else { return self.finish_subset() };
        let kind = self.kind_of(first);
        self.subsets[epoch].kind = kind;
        let k = kind_index(kind);
        let (mut cursor, mut progress) = (0, false);
        loop {
            match self.ready[k].range(cursor..).next().copied() {
                Some(i) => {
                    self.ready[k].remove(&i);
                    self.assign(i, epoch);
                    cursor = i + 1;
                    progress = true;
                }
                None if progress => (cursor, progress) = (0, false),
                None => return self.finish_subset(),
            }
        }
    }

    fn finish_subset(&mut self) -> bool {
        let filled = self.subsets.last().is_some_and(|s| !s.nodes.is_empty());
        if !filled {
            self.subsets.pop();
        }
        filled
    }

    fn kind_of(&self, i: usize) -> Kind {
        if self.delegated[i] {
            Kind::Delegate
        } else {
            Kind::Cpu
        }
    }

    fn is_ready(&self, i: usize) -> bool {
        self.node_epoch[i] == Epoch::NotReady
            && self.pending_edges[i] == 0
            && self.graph.nodes[i].inputs.iter().all(|&t| t == -1 || self.tensor_epoch[t as usize] != Epoch::NotReady)
    }

    /// `UpdateNode`: assigns node `i` to the current subset if it is ready and of the subset's kind.
    fn try_assign(&mut self, i: usize) -> bool {
        let epoch = self.subsets.len() - 1;
        if self.opts.disable_node_fusion && !self.subsets[epoch].nodes.is_empty() {
            return false;
        }
        if !self.is_ready(i) {
            return false;
        }
        // The first ready node of a subset decides its kind.
        let kind = *self.current_kind.get_or_insert(self.kind_of(i));
        if kind != self.kind_of(i) {
            return false;
        }
        self.subsets[epoch].kind = kind;
        self.assign(i, epoch);
        true
    }

    fn assign(&mut self, i: usize, epoch: usize) {
        let node = &self.graph.nodes[i];
        self.node_epoch[i] = Epoch::Subset(epoch);
        self.subsets[epoch].nodes.push(i);
        let mut now_ready = Vec::new();
        for &t in node.outputs.iter().filter(|&&t| t != -1) {
            if self.tensor_epoch[t as usize] == Epoch::NotReady {
                now_ready.push(t);
            }
            self.tensor_epoch[t as usize] = Epoch::Subset(epoch);
        }
        for &t in node.inputs.iter().filter(|&&t| t != -1) {
            let from = self.tensor_epoch[t as usize];
            if from != Epoch::Subset(epoch) {
                self.subsets[epoch].inputs.push(t);
                if let Epoch::Subset(s) = from {
                    self.subsets[s].outputs.push(t);
                }
            }
        }
        let start = self.edges.partition_point(|&(from, _)| from < i);
        for k in start..self.edges.len() {
            if self.edges[k].0 != i {
                break;
            }
            let to = self.edges[k].1;
            self.pending_edges[to] -= 1;
            self.mark_if_ready(to);
        }
        for t in now_ready {
            for r in 0..self.readers[t as usize].len() {
                let reader = self.readers[t as usize][r];
                self.waiting_inputs[reader] -= 1;
                self.mark_if_ready(reader);
            }
        }
    }
}

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Delegate => 0,
        Kind::Cpu => 1,
    }
}
