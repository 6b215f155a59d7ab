//! Which tensors the interpreter leaves dynamic-sized when it prepares a subgraph, and what else
//! Prepare changes that benchmark_model shows.
//!
//! `Subgraph::ModifyGraphWithDelegate` (tflite/core/subgraph.cc) prepares the ops before it hands
//! a subgraph to a delegate that does not allow dynamic tensors (`PrepareOpsStartingAt(0, …)`); if
//! that leaves `has_dynamic_tensors_` set, applying the delegate fails with "… (tensor#N is a
//! dynamic-sized tensor)", N being `dynamic_tensor_index_`. `PrepareOpsStartingAt`:
//! * first looks at the subgraph's outputs: one that is already dynamic sets the flag (and N);
//! * then runs each node's Prepare in plan order, and stops after the first node that has a
//!   dynamic output (N = that output) or that returned `kTfLiteOutputShapeNotKnown` (RESHAPE with
//!   a computed shape; N is left as it was, normally -1). The nodes after it are not prepared.
//!
//! A tensor is dynamic from the start when it is a STRING, RESOURCE or VARIANT that is not a
//! constant (`Subgraph::SetTensorParametersReadWrite`), and becomes dynamic when a kernel's Prepare
//! calls `SetTensorToDynamic`: mostly when an input that decides the output shape is not known at
//! Prepare time. "Known" is `IsConstantOrPersistentTensor` (tflite/kernels/kernel_util.h): data
//! from the file (`kTfLiteMmapRo`) or a value a kernel computed in Prepare (`kTfLitePersistentRo`,
//! e.g. SHAPE's output); a few kernels accept only the former (`IsConstantTensor`). A string a
//! kernel computes in Prepare is written with `DynamicBuffer`, which makes it dynamic again.
//!
//! `effect` is the table, one row per builtin kernel, each citing the Prepare it follows
//! (tflite/kernels/*.cc at LiteRT f674579). Control flow (WHILE, IF, STABLEHLO_COMPOSITE,
//! STABLEHLO_CASE) prepares its branch subgraphs inside its own Prepare and makes all its outputs
//! dynamic when a branch has dynamic tensors or changes shapes; see `Preparer`.
//!
//! Assumption: where a kernel looks at a shape, the shape it sees is the one the file declares
//! for the tensor (the converter writes the shapes Prepare computes). Not modelled: Prepare
//! failures (the interpreter then fails for another reason), the interpreter option
//! `optimize_memory_for_large_tensors` (WHILE then makes every output dynamic) and the
//! `cache_constant_cast_op` option of CAST (neither changes what is dynamic).

use crate::model::{BuiltinOperator as B, BuiltinOptions2T, BuiltinOptionsT, Operator, Subgraph, Tensor, TensorType};

/// A tensor's allocation type as far as Prepare cares (`TfLiteAllocationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alloc {
    /// `kTfLiteMmapRo`: data from the file.
    Constant,
    /// `kTfLitePersistentRo`: computed during Prepare.
    Computed,
    /// `kTfLiteDynamic`: sized during Eval.
    Dynamic,
    /// Arena, arena-persistent or custom memory: sized during Prepare, written during Eval.
    Sized,
}

impl Alloc {
    /// `IsConstantOrPersistentTensor`.
    fn known(self) -> bool {
        matches!(self, Alloc::Constant | Alloc::Computed)
    }
}

/// Types the interpreter gives no arena memory (`SetTensorParametersReadWrite`).
fn dynamic_type(t: TensorType) -> bool {
    matches!(t, TensorType::STRING | TensorType::RESOURCE | TensorType::VARIANT)
}

/// `IsResourceOrVariant` (tflite/kernels/control_flow_common.h).
fn resource_or_variant(t: &Tensor) -> bool {
    matches!(t.dtype, TensorType::RESOURCE | TensorType::VARIANT)
}

/// The allocation type a tensor has when the model is loaded (interpreter_builder.cc, subgraph.cc).
fn loaded(t: &Tensor) -> Alloc {
    if t.is_const() {
        Alloc::Constant
    } else if dynamic_type(t.dtype) {
        Alloc::Dynamic
    } else {
        Alloc::Sized
    }
}

/// Which outputs a kernel makes dynamic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// The outputs at these positions.
    Only(&'static [usize]),
    All,
}

/// What a kernel's Prepare does to its outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Sized in Prepare; a string output stays dynamic.
    Sized,
    /// `SetTensorToDynamic` on these outputs.
    Dynamic(Which),
    /// `SetTensorToPersistentRo` on every output: the value is computed in Prepare.
    Computed,
    /// The kernel gives its output an arena type of its own (even a RESOURCE output): never dynamic.
    Allocated,
    /// Prepare returns `kTfLiteOutputShapeNotKnown`: preparation stops, the output is not marked.
    ShapeNotKnown,
}

const FIRST: Effect = Effect::Dynamic(Which::Only(&[0]));

fn dynamic_unless(known: bool) -> Effect {
    if known {
        Effect::Sized
    } else {
        FIRST
    }
}

fn computed_if(known: bool) -> Effect {
    if known {
        Effect::Computed
    } else {
        Effect::Sized
    }
}

/// A node being prepared, with the allocation types its inputs have at that moment.
struct Node<'a> {
    sg: &'a Subgraph,
    op: &'a Operator,
    alloc: &'a [Alloc],
}

impl Node<'_> {
    fn input(&self, k: usize) -> Option<&Tensor> {
        self.op.input(k).and_then(|t| self.sg.tensors.get(t))
    }
    fn alloc_of(&self, k: usize) -> Option<Alloc> {
        self.op.input(k).and_then(|t| self.alloc.get(t).copied())
    }
    /// `IsConstantOrPersistentTensor(input k)`. An absent input counts as known: the kernel's
    /// Prepare fails on it, which is another failure than a dynamic tensor, so we claim none.
    fn known(&self, k: usize) -> bool {
        self.alloc_of(k).is_none_or(Alloc::known)
    }
    /// `IsConstantTensor(input k)`: data from the file only (an absent input as in `known`).
    fn constant(&self, k: usize) -> bool {
        self.alloc_of(k).is_none_or(|a| a == Alloc::Constant)
    }
    fn dynamic(&self, k: usize) -> bool {
        self.alloc_of(k) == Some(Alloc::Dynamic)
    }
    fn all_known(&self) -> bool {
        (0..self.op.inputs.len()).all(|k| self.known(k))
    }
    /// `HasUnspecifiedDimension(input k)`: a -1 in its shape signature.
    fn unspecified(&self, k: usize) -> bool {
        self.input(k).is_some_and(Tensor::is_dynamic)
    }
    fn output(&self, k: usize) -> Option<&Tensor> {
        self.op.output(k).and_then(|t| self.sg.tensors.get(t))
    }
}

/// The table: what each builtin kernel's Prepare does to its outputs (control flow is in
/// `Preparer::control_flow`). Input positions are the op's; "known" = constant or computed in
/// Prepare, "constant" = from the file only.
fn effect(n: &Node) -> Effect {
    match n.op.code {
        // arg_min_max.cc Prepare: the axis.
        B::ARG_MAX | B::ARG_MIN => dynamic_unless(n.known(1)),
        // batch_to_space_nd.cc / space_to_batch_nd.cc Prepare: block shape and crops / paddings.
        B::BATCH_TO_SPACE_ND | B::SPACE_TO_BATCH_ND => dynamic_unless(n.known(1) && n.known(2)),
        // broadcast_to.cc Prepare: the shape.
        B::BROADCAST_TO => dynamic_unless(n.known(1)),
        // broadcast_args.cc Prepare: computed when both shapes are known.
        B::BROADCAST_ARGS => computed_if(n.known(0) && n.known(1)),
        // concatenation.cc Prepare: computed when every input is known.
        B::CONCATENATION => computed_if(n.all_known()),
        // conv3d_transpose.cc Prepare: the output shape (input 0).
        B::CONV_3D_TRANSPOSE => dynamic_unless(n.known(0)),
        // dilate.cc Prepare: the dilations, from the file only (IsConstantTensor).
        B::DILATE => dynamic_unless(n.constant(1)),
        // embedding_lookup_sparse.cc Prepare: the output is always dynamic.
        B::EMBEDDING_LOOKUP_SPARSE => FIRST,
        // expand_dims.cc Prepare: the axis.
        B::EXPAND_DIMS => dynamic_unless(n.known(1)),
        // fill.cc Prepare: the dims (input 0).
        B::FILL => dynamic_unless(n.known(0)),
        // gather.cc Prepare: computed when input and positions are known.
        B::GATHER => computed_if(n.known(0) && n.known(1)),
        // mirror_pad.cc Prepare: the paddings.
        B::MIRROR_PAD => dynamic_unless(n.known(1)),
        // mul.cc Prepare: computed when both inputs are known.
        B::MUL => computed_if(n.known(0) && n.known(1)),
        // random_ops.cc PrepareMultinomial: logits and num_samples.
        B::MULTINOMIAL => dynamic_unless(n.known(0) && n.known(1)),
        B::NON_MAX_SUPPRESSION_V4 | B::NON_MAX_SUPPRESSION_V5 => non_max_suppression(n),
        // one_hot.cc Prepare: the depth (input 1).
        B::ONE_HOT => dynamic_unless(n.known(1)),
        // pad.cc Prepare (PAD and PADV2): the paddings, and an input of rank 0 is always dynamic.
        B::PAD | B::PADV2 => dynamic_unless(n.known(1) && n.input(0).is_some_and(|t| t.rank() > 0)),
        // random_ops.cc Prepare: the shape.
        B::RANDOM_STANDARD_NORMAL | B::RANDOM_UNIFORM => dynamic_unless(n.known(0)),
        // range.cc Prepare: computed when start, limit and delta are known, else dynamic.
        B::RANGE if n.known(0) && n.known(1) && n.known(2) => Effect::Computed,
        B::RANGE => FIRST,
        // read_variable.cc Prepare: a scalar (or unranked) output is dynamic.
        B::READ_VARIABLE => dynamic_unless(n.output(0).is_some_and(|t| t.rank() > 0)),
        // reduce.cc PrepareSimple (MEAN, SUM, REDUCE_MAX/MIN/ANY/ALL, and under PrepareProd): the axis.
        B::MEAN | B::SUM | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_ANY | B::REDUCE_ALL => dynamic_unless(n.known(1)),
        B::REDUCE_PROD => reduce_prod(n),
        B::RESHAPE => reshape(n),
        // resize_bilinear.cc / resize_nearest_neighbor.cc Prepare: the size.
        B::RESIZE_BILINEAR | B::RESIZE_NEAREST_NEIGHBOR => dynamic_unless(n.known(1)),
        // rfft2d.cc Prepare: the fft length.
        B::RFFT2D => dynamic_unless(n.known(1)),
        // scatter_nd.cc Prepare: the shape (input 2).
        B::SCATTER_ND => dynamic_unless(n.known(2)),
        // segment_sum.cc Prepare: data and segment ids.
        B::SEGMENT_SUM => dynamic_unless(n.known(0) && n.known(1)),
        // shape.cc / rank.cc Prepare: always computed (an input's shape is known in Prepare).
        B::SHAPE | B::RANK => Effect::Computed,
        B::SLICE => slice(n),
        // sparse_to_dense.cc Prepare: the output shape (input 1).
        B::SPARSE_TO_DENSE => dynamic_unless(n.known(1)),
        // split.cc Prepare: the axis (input 0); every output.
        B::SPLIT if n.known(0) => Effect::Sized,
        // split_v.cc Prepare: size splits and axis; every output.
        B::SPLIT_V if n.known(1) && n.known(2) => Effect::Sized,
        B::SPLIT | B::SPLIT_V => Effect::Dynamic(Which::All),
        B::STRIDED_SLICE => strided_slice(n),
        // tile.cc Prepare: the multipliers; computed when the input is known too.
        B::TILE if !n.known(1) => FIRST,
        B::TILE => computed_if(n.known(0)),
        // topk_v2.cc Prepare: k, and an input with an unknown dimension; both outputs.
        B::TOPK_V2 => {
            if n.known(1) && !n.unspecified(0) {
                Effect::Sized
            } else {
                Effect::Dynamic(Which::Only(&[0, 1]))
            }
        }
        // transpose.cc Prepare: the permutation.
        B::TRANSPOSE => dynamic_unless(n.known(1)),
        // transpose_conv.cc Prepare: the output shape (input 0), from the file only.
        B::TRANSPOSE_CONV => dynamic_unless(n.constant(0)),
        // unique.cc Prepare: the unique values (output 0) are always dynamic.
        B::UNIQUE => FIRST,
        // unsorted_segment.cc Prepare: a dynamic data input, segment ids, number of segments.
        B::UNSORTED_SEGMENT_MAX | B::UNSORTED_SEGMENT_MIN | B::UNSORTED_SEGMENT_PROD | B::UNSORTED_SEGMENT_SUM => {
            dynamic_unless(!n.dynamic(0) && n.known(1) && n.known(2))
        }
        // where.cc Prepare: the condition.
        B::WHERE => dynamic_unless(n.known(0)),
        // var_handle.cc / densify.cc Prepare: the output becomes kTfLiteArenaRwPersistent.
        B::VAR_HANDLE | B::DENSIFY => Effect::Allocated,
        // Every other kernel sizes its outputs from its inputs' shapes (a string output stays dynamic).
        _ => Effect::Sized,
    }
}

/// non_max_suppression.cc Prepare (V4 and V5 alike): the max output size (input 2) decides the
/// selected indices, and with 6 inputs (soft NMS) the selected scores; the count is a scalar.
fn non_max_suppression(n: &Node) -> Effect {
    match (n.known(2), n.op.inputs.len() == 6) {
        (true, _) => Effect::Sized,
        (false, true) => Effect::Dynamic(Which::Only(&[0, 1])),
        (false, false) => FIRST,
    }
}

/// reduce.cc `kMaxConstantOutputTensorSize`.
const MAX_COMPUTED_REDUCTION: i64 = 8;

/// reduce.cc PrepareProd: dynamic without a known axis (PrepareSimple); computed when input and
/// axis are known and the output has at most 8 elements.
fn reduce_prod(n: &Node) -> Effect {
    if !n.known(1) {
        return FIRST;
    }
    let small = n.output(0).is_some_and(|t| {
        t.shape.iter().try_fold(1i64, |a, &d| a.checked_mul(d as i64)).is_some_and(|e| e <= MAX_COMPUTED_REDUCTION)
    });
    computed_if(n.known(0) && small)
}

/// reshape.cc Prepare: a string output is left alone; with the shape in the options or known,
/// the output is sized (computed when the input is known too); otherwise the shape is not known.
fn reshape(n: &Node) -> Effect {
    if n.output(0).is_some_and(|t| t.dtype == TensorType::STRING) {
        Effect::Sized
    } else if n.op.inputs.len() == 1 || n.known(1) {
        computed_if(n.known(0))
    } else {
        Effect::ShapeNotKnown
    }
}

/// slice.cc Prepare: an output whose declared shape has a rank and no unknown dimension is kept
/// as it is; otherwise dynamic unless begin and size are known and the input has no unknown
/// dimension.
fn slice(n: &Node) -> Effect {
    let declared = n.output(0).is_some_and(|t| t.rank() > 0 && !t.is_dynamic());
    dynamic_unless(declared || (n.known(1) && n.known(2) && !n.unspecified(0)))
}

/// strided_slice.cc Prepare: the strides, and begin and end unless the `offset` option is set;
/// computed when input, begin and end are known.
fn strided_slice(n: &Node) -> Effect {
    let offset = matches!(&n.op.options, BuiltinOptionsT::StridedSliceOptions(o) if o.offset);
    if !(n.known(3) && (offset || (n.known(1) && n.known(2)))) {
        return FIRST;
    }
    computed_if(n.known(0) && n.known(1) && n.known(2))
}

/// How preparing one subgraph ended (`PrepareOpsStartingAt`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Prepared {
    /// Every tensor's allocation type when preparation ended.
    alloc: Vec<Alloc>,
    /// `has_dynamic_tensors_`.
    has_dynamic: bool,
    /// The node after which preparation stopped.
    stopped_at: Option<usize>,
    /// `dynamic_tensor_index_`: the tensor the error message names (-1 if none was recorded).
    tensor: i32,
    /// The stopping node returned `kTfLiteOutputShapeNotKnown` (RESHAPE).
    shape_not_known: bool,
}

impl Prepared {
    /// The tensors left dynamic (`kTfLiteDynamic`), in index order.
    fn dynamic_tensors(&self) -> Vec<usize> {
        self.alloc.iter().enumerate().filter(|(_, &a)| a == Alloc::Dynamic).map(|(i, _)| i).collect()
    }
}

/// Where the interpreter finds a dynamic tensor when it applies a delegate without dynamic-tensor
/// support, subgraph by subgraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicStop {
    pub subgraph: usize,
    /// The node whose Prepare stopped preparation; `None` when no node did but a subgraph output
    /// was dynamic from the start.
    pub op: Option<usize>,
    /// The tensor the message names ("tensor#N"), -1 when none was recorded.
    pub tensor: i32,
    /// The stopping node returned `kTfLiteOutputShapeNotKnown` (RESHAPE with a computed shape).
    pub shape_not_known: bool,
    /// Every tensor of the subgraph left dynamic when preparation stopped.
    pub dynamic: Vec<usize>,
}

/// The first subgraph, in the order given (the interpreter's order, without the subgraphs it
/// skips), whose preparation leaves a dynamic tensor. Earlier subgraphs are prepared first, as in
/// the interpreter: their control-flow ops prepare their branch subgraphs on the way.
pub fn first_dynamic_tensor(subgraphs: &[Subgraph], checked: impl IntoIterator<Item = usize>) -> Option<DynamicStop> {
    let mut p = Preparer::new(subgraphs);
    for si in checked {
        let r = p.prepare(si);
        if r.has_dynamic {
            return Some(DynamicStop {
                subgraph: si,
                op: r.stopped_at,
                tensor: r.tensor,
                shape_not_known: r.shape_not_known,
                dynamic: r.dynamic_tensors(),
            });
        }
    }
    None
}

/// How deep control flow may nest before we stop following it (the interpreter recurses through
/// the C++ stack; a hostile model could nest thousands of levels).
const MAX_NESTING: usize = 64;

/// Prepares subgraphs the way the interpreter does, remembering what control-flow kernels did to
/// their branch subgraphs: while.cc and if.cc give a branch's inputs `kTfLiteCustom` (RESOURCE and
/// VARIANT inputs stay dynamic), which holds when the branch is later prepared for its own
/// delegation.
struct Preparer<'m> {
    subgraphs: &'m [Subgraph],
    /// Subgraphs whose inputs a control-flow kernel made custom.
    custom_inputs: Vec<bool>,
    /// Results, per subgraph and per input treatment (preparing again gives the same result).
    done: Vec<[Option<Prepared>; 2]>,
    /// Subgraphs being prepared, innermost last (a cycle would recurse forever in the interpreter).
    stack: Vec<usize>,
}

impl<'m> Preparer<'m> {
    fn new(subgraphs: &'m [Subgraph]) -> Self {
        Preparer {
            subgraphs,
            custom_inputs: vec![false; subgraphs.len()],
            done: vec![[None, None]; subgraphs.len()],
            stack: Vec::new(),
        }
    }

    /// Prepares subgraph `si` as its own ModifyGraphWithDelegate does. Out of range: nothing dynamic.
    fn prepare(&mut self, si: usize) -> Prepared {
        let custom = self.custom_inputs.get(si).copied().unwrap_or(false);
        self.prepare_as(si, custom).unwrap_or_else(|| self.unprepared(si))
    }

    /// A result for a subgraph we do not prepare (out of range, a cycle, too deep): nothing dynamic.
    fn unprepared(&self, si: usize) -> Prepared {
        let alloc = self.subgraphs.get(si).map_or_else(Vec::new, |sg| sg.tensors.iter().map(loaded).collect());
        Prepared { alloc, has_dynamic: false, stopped_at: None, tensor: -1, shape_not_known: false }
    }

    fn prepare_as(&mut self, si: usize, custom_inputs: bool) -> Option<Prepared> {
        let sg = self.subgraphs.get(si)?;
        if let Some(done) = &self.done[si][usize::from(custom_inputs)] {
            return Some(done.clone());
        }
        if self.stack.contains(&si) || self.stack.len() >= MAX_NESTING {
            return None;
        }
        self.stack.push(si);
        let r = self.run(sg, custom_inputs);
        self.stack.pop();
        self.done[si][usize::from(custom_inputs)] = Some(r.clone());
        Some(r)
    }

    /// `PrepareOpsStartingAt(0, …)` on one subgraph.
    fn run(&mut self, sg: &'m Subgraph, custom_inputs: bool) -> Prepared {
        let mut alloc: Vec<Alloc> = sg.tensors.iter().map(loaded).collect();
        if custom_inputs {
            for &t in &sg.inputs {
                if sg.tensor(t).is_some_and(|t| !resource_or_variant(t)) {
                    alloc[t as usize] = Alloc::Sized;
                }
            }
        }
        let first_output = sg.outputs.iter().find(|&&t| alloc.get(t as usize) == Some(&Alloc::Dynamic));
        let mut r = Prepared {
            has_dynamic: first_output.is_some(),
            tensor: first_output.copied().unwrap_or(-1),
            alloc,
            stopped_at: None,
            shape_not_known: false,
        };
        for (i, op) in sg.operators.iter().enumerate() {
            let (effect, outputs) = self.node_effect(sg, op, &r.alloc);
            apply(effect, sg, &outputs, &mut r.alloc);
            let dynamic_output = outputs.iter().find(|&&t| t >= 0 && r.alloc.get(t as usize) == Some(&Alloc::Dynamic));
            if let Some(&t) = dynamic_output {
                r.tensor = t;
            }
            if dynamic_output.is_some() || effect == Effect::ShapeNotKnown {
                r.has_dynamic = true;
                r.stopped_at = Some(i);
                r.shape_not_known = dynamic_output.is_none();
                break;
            }
        }
        r
    }

    /// A node's effect and its output list after Prepare.
    fn node_effect(&mut self, sg: &'m Subgraph, op: &'m Operator, alloc: &[Alloc]) -> (Effect, Vec<i32>) {
        match self.control_flow(sg, op) {
            Some(r) => r,
            None => (effect(&Node { sg, op, alloc }), op.outputs.clone()),
        }
    }

    /// while.cc, if.cc, stablehlo_composite.cc, stablehlo_case.cc Prepare: the branch subgraphs
    /// are prepared with custom inputs; a branch with dynamic tensors, or branches (a loop body
    /// and its inputs) whose shapes differ, make every output dynamic. `None` for other ops.
    /// A control-flow op we cannot follow (bad indices or counts, whose Prepare fails) is sized.
    fn control_flow(&mut self, sg: &'m Subgraph, op: &'m Operator) -> Option<(Effect, Vec<i32>)> {
        let sized = (Effect::Sized, op.outputs.clone());
        let r = match (op.code, &op.options, &op.options2) {
            (B::WHILE, _, _) => self.while_loop(sg, op),
            (B::IF, BuiltinOptionsT::IfOptions(o), _) => self.branches(
                sg,
                op,
                &op.inputs[1.min(op.inputs.len())..],
                &[o.then_subgraph_index, o.else_subgraph_index],
                true,
            ),
            (B::STABLEHLO_CASE, _, BuiltinOptions2T::StablehloCaseOptions(o)) => {
                let list = o.branch_subgraph_indices.as_deref().unwrap_or(&[]);
                self.branches(sg, op, &op.inputs[1.min(op.inputs.len())..], list, true)
            }
            (B::STABLEHLO_COMPOSITE, _, BuiltinOptions2T::StableHLOCompositeOptions(o)) => {
                self.branches(sg, op, &op.inputs, &[o.decomposition_subgraph_index], false)
            }
            (B::IF | B::STABLEHLO_CASE | B::STABLEHLO_COMPOSITE, _, _) => None,
            _ => return None,
        };
        Some(r.unwrap_or(sized))
    }

    /// while.cc Prepare_impl.
    fn while_loop(&mut self, sg: &'m Subgraph, op: &'m Operator) -> Option<(Effect, Vec<i32>)> {
        let (ci, bi) = while_subgraphs(self.subgraphs, op)?;
        let b = &self.subgraphs[bi];
        // The condition is prepared as it is (its dynamic output is only checked at Eval).
        self.prepare_as(ci, false);
        let outputs = while_outputs(sg, op, b);
        self.custom_inputs[bi] = true;
        let body_dynamic = self.prepare_as(bi, true).is_some_and(|r| r.has_dynamic);
        let reshapes = (0..op.inputs.len()).any(|i| {
            let input = sg.tensor(op.inputs[i]).map(|t| t.shape.as_slice());
            let output = branch_output_shape(sg, &op.inputs, b, b.outputs[i]);
            !same_loop_shape(input, output)
        });
        let effect = if body_dynamic || reshapes { Effect::Dynamic(Which::All) } else { Effect::Sized };
        Some((effect, outputs))
    }

    /// if.cc Prepare (and the STABLEHLO_CASE / STABLEHLO_COMPOSITE kernels, which follow it):
    /// every branch gets the node's inputs; outputs are dynamic if a branch has dynamic tensors or
    /// (`compare_shapes`) the branches' output shapes differ. STABLEHLO_CASE's kernel prepares
    /// every subgraph but the first rather than its branches; we follow its branches.
    fn branches(
        &mut self,
        parent: &'m Subgraph,
        op: &'m Operator,
        inputs: &'m [i32],
        list: &[i32],
        compare_shapes: bool,
    ) -> Option<(Effect, Vec<i32>)> {
        let sg_of = |i: &i32| usize::try_from(*i).ok().filter(|&i| i < self.subgraphs.len());
        let indices: Vec<usize> = list.iter().map(sg_of).collect::<Option<_>>()?;
        let fits = |s: &Subgraph| s.inputs.len() == inputs.len() && s.outputs.len() == op.outputs.len();
        if indices.is_empty() || !indices.iter().all(|&i| fits(&self.subgraphs[i])) {
            return None;
        }
        let mut dynamic = false;
        for &i in &indices {
            self.custom_inputs[i] = true;
            dynamic |= self.prepare_as(i, true).is_some_and(|r| r.has_dynamic);
        }
        if !dynamic && compare_shapes {
            let first = &self.subgraphs[indices[0]];
            dynamic = indices[1..].iter().any(|&i| {
                let other = &self.subgraphs[i];
                (0..op.outputs.len()).any(|k| {
                    branch_output_shape(parent, inputs, first, first.outputs[k])
                        != branch_output_shape(parent, inputs, other, other.outputs[k])
                })
            });
        }
        let effect = if dynamic { Effect::Dynamic(Which::All) } else { Effect::Sized };
        Some((effect, op.outputs.clone()))
    }
}

/// Marks a node's outputs as its Prepare leaves them. A string value computed in Prepare is
/// written through `DynamicBuffer::WriteToTensor` (tflite/string_util.cc), which makes the tensor
/// dynamic again.
fn apply(effect: Effect, sg: &Subgraph, outputs: &[i32], alloc: &mut [Alloc]) {
    for (k, &t) in outputs.iter().enumerate() {
        let Some(a) = usize::try_from(t).ok().and_then(|t| alloc.get_mut(t)) else { continue };
        match effect {
            Effect::Dynamic(Which::All) => *a = Alloc::Dynamic,
            Effect::Dynamic(Which::Only(list)) if list.contains(&k) => *a = Alloc::Dynamic,
            Effect::Computed if sg.tensor(t).is_some_and(|t| t.dtype == TensorType::STRING) => *a = Alloc::Dynamic,
            Effect::Computed => *a = Alloc::Computed,
            Effect::Allocated => *a = Alloc::Sized,
            _ => {}
        }
    }
}

/// The shape a branch output has after the branch is prepared: a branch input carries the
/// shape of the node input it receives (`CopyTensorsShapeAndType`), anything else its declared shape.
fn branch_output_shape<'a>(
    parent: &'a Subgraph,
    node_inputs: &[i32],
    branch: &'a Subgraph,
    t: i32,
) -> Option<&'a [i32]> {
    match branch.inputs.iter().position(|&i| i == t) {
        Some(j) => node_inputs.get(j).and_then(|&i| parent.tensor(i)).map(|t| t.shape.as_slice()),
        None => branch.tensor(t).map(|t| t.shape.as_slice()),
    }
}

/// while.cc: a loop input and the body's output must have the same shape, except that a scalar
/// and a one-element vector (first dimensions adding up to 1) count as the same.
fn same_loop_shape(input: Option<&[i32]>, output: Option<&[i32]>) -> bool {
    let (Some(a), Some(b)) = (input, output) else { return true };
    a == b || a.first().copied().unwrap_or(0) as i64 + b.first().copied().unwrap_or(0) as i64 == 1
}

/// How many times each tensor is consumed: node inputs and subgraph outputs
/// (`Subgraph::GetInputTensorsCount`).
fn consumer_counts(sg: &Subgraph) -> Vec<u32> {
    let mut counts = vec![0u32; sg.tensors.len()];
    for &t in sg.operators.iter().flat_map(|op| op.inputs.iter()).chain(sg.outputs.iter()) {
        if let Some(c) = usize::try_from(t).ok().and_then(|t| counts.get_mut(t)) {
            *c = c.saturating_add(1);
        }
    }
    counts
}

/// while.cc Prepare_impl: a loop variable the body passes through unchanged (body input i is
/// body output i) and that nothing reads after the loop is dropped from the node's outputs
/// (-1), unless it is a STRING, RESOURCE or VARIANT.
fn while_outputs(sg: &Subgraph, op: &Operator, body: &Subgraph) -> Vec<i32> {
    let mut outputs = op.outputs.clone();
    let mut counts: Option<Vec<u32>> = None;
    for (i, out) in outputs.iter_mut().enumerate() {
        let (Some(&bin), Some(&bout)) = (body.inputs.get(i), body.outputs.get(i)) else { continue };
        let passes_through = bin == bout && *out >= 0;
        if !passes_through || body.tensor(bin).is_none_or(|t| dynamic_type(t.dtype)) {
            continue;
        }
        let counts = counts.get_or_insert_with(|| consumer_counts(sg));
        if counts.get(*out as usize) == Some(&0) {
            *out = -1;
        }
    }
    outputs
}

/// A node's output list after its Prepare: WHILE drops its unread pass-through outputs
/// (while.cc), which benchmark_model then names "Unknown". The list as read for anything else.
/// Borrowed for every op but a WHILE (the plan names thousands of rows; no copy for each).
pub fn outputs_after_prepare<'o>(subgraphs: &[Subgraph], si: usize, op: &'o Operator) -> std::borrow::Cow<'o, [i32]> {
    if op.code != B::WHILE {
        return std::borrow::Cow::Borrowed(&op.outputs);
    }
    match (subgraphs.get(si), while_subgraphs(subgraphs, op)) {
        (Some(sg), Some((_, body))) => std::borrow::Cow::Owned(while_outputs(sg, op, &subgraphs[body])),
        _ => std::borrow::Cow::Borrowed(&op.outputs),
    }
}

/// A WHILE's condition and body subgraphs, if its Prepare accepts them (while.cc Prepare_impl:
/// indices in range and different, as many outputs as inputs, and subgraphs taking the loop
/// variables, the condition giving one output and the body one per variable).
fn while_subgraphs(subgraphs: &[Subgraph], op: &Operator) -> Option<(usize, usize)> {
    let BuiltinOptionsT::WhileOptions(o) = &op.options else { return None };
    if op.code != B::WHILE {
        return None;
    }
    let ci = usize::try_from(o.cond_subgraph_index).ok().filter(|&i| i < subgraphs.len())?;
    let bi = usize::try_from(o.body_subgraph_index).ok().filter(|&i| i < subgraphs.len())?;
    let (c, b, n) = (&subgraphs[ci], &subgraphs[bi], op.inputs.len());
    let fits = op.outputs.len() == n
        && c.inputs.len() == n
        && c.outputs.len() == 1
        && b.inputs.len() == n
        && b.outputs.len() == n;
    (ci != bi && fits).then_some((ci, bi))
}

/// densify.cc Prepare renames its output tensor.
pub const DENSIFY_OUTPUT_NAME: &str = "Densify_output";
