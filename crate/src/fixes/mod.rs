//! Model surgery that makes ops a delegate refuses delegable. Each fix is its own module saying
//! what it changes, when it applies (which refusal it cures, for which delegate: its `cures`) and
//! why it is exact; this module is the planner that picks fixes for a target (a delegate with its
//! options, `target.rs`), applies them, and checks the result with the target's predictor. The
//! planner names no delegate: it reads the common shape of an analysis (refused ops with reasons,
//! plan, outcome, failure).
//!
//! A fix is applied to an op only when the target refuses that op and the fixes planned for it
//! cure every one of its reasons; afterwards the fixed model is analysed again and any fix whose ops
//! are still refused is taken back.

pub mod argmax;
pub mod target;
pub mod bias;
pub mod cut;
pub mod dilated_conv;
pub mod fp16_weights;
pub mod int64;
pub mod int64_tensors;
pub mod pool;
pub mod resize;
pub mod transpose_conv_bias;

use serde::{Deserialize, Serialize};

use crate::analyze::Verdict;
use crate::cost;
use crate::delegates::gpu::policy::{Flavor, GpuAnalysis, GpuOptions};
use crate::delegates::xnnpack::XnnpackOptions;
use crate::model::{self, Model, ModelError, Subgraph};
use crate::nnapi::delegate::{Analysis, Options};
use crate::plan::Outcome;
use crate::surgery::Draft;

pub use cut::Cut;
pub use target::{Analyzed, Delegate, GpuTarget, NnapiTarget, Target, XnnpackTarget};

pub const FIX_FORMAT: &str = "delegate-doctor.fix/1";

/// Every fix, in the order the planner tries them.
pub const ALL_FIXES: [&str; 10] = [
    argmax::ID,
    resize::ID,
    pool::ID,
    int64::ID,
    int64_tensors::ID,
    bias::ID,
    fp16_weights::ID,
    dilated_conv::ID,
    transpose_conv_bias::ID,
    cut::ID,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exactness {
    /// Bit-identical results on every backend.
    Exact,
    /// Identical on some backends, off by one quantized step in rare cases on others (see detail).
    NearExact,
    /// Results change slightly (see detail).
    Approximate,
    /// The model's inputs or outputs change (cut).
    ChangesInterface,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub fix: &'static str,
    /// Index of the op in the original model.
    pub op: usize,
    pub op_type: String,
    pub what: String,
    pub exactness: Exactness,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Tensors written by the ops this change created or modified (to check them afterwards).
    #[serde(skip)]
    pub touched: Vec<i32>,
}

impl Change {
    pub fn new(fix: &'static str, op: usize, op_type: &str, what: String, exactness: Exactness, touched: Vec<i32>) -> Change {
        Change { fix, op, op_type: op_type.to_string(), what, exactness, detail: String::new(), touched }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolForm {
    /// MEAN where the level allows it (≥ 29), else separable pooling.
    #[default]
    Auto,
    Mean,
    Separable,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FixOptions {
    /// The NNAPI options (used when `delegate` is nnapi).
    pub target: Options,
    /// The delegate to fix for (absent in the JSON for NNAPI).
    #[serde(skip_serializing_if = "Delegate::is_nnapi")]
    pub delegate: Delegate,
    /// The GPU delegate options (present for the GPU delegates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<GpuOptions>,
    /// The XNNPACK delegate options (for `delegate` xnnpack; its defaults when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xnnpack: Option<XnnpackOptions>,
    /// Only these fixes (by id); all when absent.
    pub only: Option<Vec<String>>,
    pub skip: Vec<String>,
    pub cut: Vec<Cut>,
    pub pool_form: PoolForm,
}

impl FixOptions {
    fn enabled(&self, id: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.iter().any(|x| x == id)) && !self.skip.iter().any(|x| x == id)
    }
}

/// What a fix needs to decide.
pub struct Ctx<'m, 'a> {
    pub model: &'m Model<'a>,
    pub sg: &'m Subgraph,
    /// The NNAPI feature level (0 for the GPU delegates).
    pub level: i64,
    /// The delegate the fixes are for.
    pub delegate: Delegate,
    pub opts: &'m FixOptions,
    /// ARG_MAX/ARG_MIN ops whose output will be int32 after the fixes.
    pub int32_argmax: Vec<usize>,
}

/// An op the target refuses that stays refused, and why no fix helps.
#[derive(Debug, Clone, Serialize)]
pub struct NotFixed {
    pub op: usize,
    pub op_type: String,
    pub reasons: Vec<String>,
    pub why: String,
}

/// The largest delegate partition (in original nodes) before and after the fixes: for the GPU
/// delegates, which run only their largest partition(s), the figure a fix must grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LargestPartition {
    pub before: usize,
    pub after: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixReport<A: Analyzed = Analysis> {
    pub format: &'static str,
    pub options: FixOptions,
    pub changes: Vec<Change>,
    pub not_fixed: Vec<NotFixed>,
    /// For each requested cut: why it stopped where it did (which CPU op still ends or starts the
    /// model, and why that op cannot be cut). Empty when every cut reached a delegate kernel.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_cut: Vec<String>,
    pub before: A,
    pub before_verdict: Verdict,
    pub after: A,
    pub after_verdict: Verdict,
    /// For the GPU delegates (absent for NNAPI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub largest_partition: Option<LargestPartition>,
    pub output_size: usize,
}

/// A GPU delegate's fix report.
pub type GpuFixReport = FixReport<GpuAnalysis>;

#[derive(Debug, Clone)]
enum Planned {
    ArgMax(argmax::Plan),
    Resize(resize::Plan),
    Pool(pool::Plan),
    Int64(int64::Plan),
    Int64Tensors(int64_tensors::Plan),
    Bias(bias::Plan),
    Fp16Weights(fp16_weights::Plan),
    DilatedConv(dilated_conv::Plan),
    TransposeConvBias(transpose_conv_bias::Plan),
}

impl Planned {
    fn id(&self) -> &'static str {
        match self {
            Planned::ArgMax(_) => argmax::ID,
            Planned::Resize(_) => resize::ID,
            Planned::Pool(_) => pool::ID,
            Planned::Int64(_) => int64::ID,
            Planned::Int64Tensors(_) => int64_tensors::ID,
            Planned::Bias(_) => bias::ID,
            Planned::Fp16Weights(_) => fp16_weights::ID,
            Planned::DilatedConv(_) => dilated_conv::ID,
            Planned::TransposeConvBias(_) => transpose_conv_bias::ID,
        }
    }
    /// The op the change is reported at (a fix spanning several ops plans the same change from
    /// each of them).
    fn anchor(&self, i: usize) -> usize {
        match self {
            Planned::DilatedConv(p) => p.s2b,
            Planned::Int64Tensors(p) => p.producer,
            _ => i,
        }
    }
    /// Fixes that insert ops go last for an op, after the in-place ones.
    fn inserts(&self) -> bool {
        matches!(self, Planned::Resize(_) | Planned::Pool(_))
    }
    fn apply(&self, d: &mut Draft<'_>) -> Change {
        match self {
            Planned::ArgMax(p) => argmax::apply(d, p),
            Planned::Resize(p) => resize::apply(d, p),
            Planned::Pool(p) => pool::apply(d, p),
            Planned::Int64(p) => int64::apply(d, p),
            Planned::Int64Tensors(p) => int64_tensors::apply(d, p),
            Planned::Bias(p) => bias::apply(d, p),
            Planned::Fp16Weights(p) => fp16_weights::apply(d, p),
            Planned::DilatedConv(p) => dilated_conv::apply(d, p),
            Planned::TransposeConvBias(p) => transpose_conv_bias::apply(d, p),
        }
    }
}

type Cures = fn(Delegate, &str) -> bool;

/// Which fix might cure a reason the delegate gave about `op`, and how to plan it.
fn fixes_for(d: Delegate, op: &model::Operator, reason: &str) -> Vec<(&'static str, Cures)> {
    let all: [(&'static str, Cures); 9] = [
        (argmax::ID, argmax::cures),
        (resize::ID, resize::cures),
        (pool::ID, pool::cures),
        (int64::ID, int64::cures),
        (int64_tensors::ID, int64_tensors::cures),
        (bias::ID, bias::cures),
        (fp16_weights::ID, fp16_weights::cures),
        (dilated_conv::ID, dilated_conv::cures),
        (transpose_conv_bias::ID, transpose_conv_bias::cures),
    ];
    all.into_iter().filter(|(id, cures)| cures(d, reason) && offered_for(id, op)).collect()
}

/// Whether fix `id` is offered for `op` at all: NNAPI's "Unsupported operation type." is the same
/// for every op outside its list, and only one custom op has a rewrite.
fn offered_for(id: &str, op: &model::Operator) -> bool {
    id != transpose_conv_bias::ID || transpose_conv_bias::is_custom_transpose_conv(op)
}

fn plan_fix(c: &Ctx<'_, '_>, id: &str, i: usize) -> Result<Planned, String> {
    match id {
        argmax::ID => argmax::plan(c, i).map(Planned::ArgMax),
        resize::ID => resize::plan(c, i).map(Planned::Resize),
        pool::ID => pool::plan(c, i).map(Planned::Pool),
        int64::ID => int64::plan(c, i).map(Planned::Int64),
        int64_tensors::ID => int64_tensors::plan(c, i).map(Planned::Int64Tensors),
        bias::ID => bias::plan(c, i).map(Planned::Bias),
        fp16_weights::ID => fp16_weights::plan(c, i).map(Planned::Fp16Weights),
        dilated_conv::ID => dilated_conv::plan(c, i).map(Planned::DilatedConv),
        transpose_conv_bias::ID => transpose_conv_bias::plan(c, i).map(Planned::TransposeConvBias),
        other => Err(format!("unknown fix {other}")),
    }
}

/// The plans for one refused op, or why it stays refused.
fn plan_op(c: &Ctx<'_, '_>, i: usize, reasons: &[String], excluded: &[Excluded]) -> Result<Vec<Planned>, String> {
    let mut plans: Vec<Planned> = Vec::new();
    let mut why = Vec::new();
    for reason in reasons {
        let mut cured = plans.iter().any(|p| fixes_for(c.delegate, &c.sg.operators[i], reason).iter().any(|(id, _)| *id == p.id()));
        for (id, _) in fixes_for(c.delegate, &c.sg.operators[i], reason) {
            if cured {
                break;
            }
            if !c.opts.enabled(id) {
                why.push(format!("{id} is turned off"));
                continue;
            }
            if let Some(x) = excluded.iter().find(|x| x.fix == id && x.op == i) {
                why.push(format!("{id}: {}", x.why));
                continue;
            }
            match plan_fix(c, id, i) {
                Ok(p) if p.anchor(i) != i && excluded.iter().any(|x| x.fix == id && x.op == p.anchor(i)) => {
                    why.push(format!("{id}: {}", excluded.iter().find(|x| x.fix == id && x.op == p.anchor(i)).map_or("", |x| x.why.as_str())));
                }
                Ok(p) => {
                    plans.push(p);
                    cured = true;
                }
                Err(e) => why.push(format!("{id}: {e}")),
            }
        }
        if !cured {
            if fixes_for(c.delegate, &c.sg.operators[i], reason).is_empty() {
                why.push(format!("no rewrite removes \"{reason}\""));
            }
            return Err(why.join("; "));
        }
    }
    Ok(plans)
}

/// A fix taken back for one op, and why.
#[derive(Debug, Clone)]
struct Excluded {
    fix: &'static str,
    op: usize,
    why: String,
}

/// Fix the model for the NNAPI delegate at `opts.target`: the fixed bytes and a report of what
/// changed.
pub fn fix(bytes: &[u8], opts: &FixOptions) -> Result<(Vec<u8>, FixReport), ModelError> {
    fix_for(bytes, &NnapiTarget(&opts.target), opts)
}

/// Fix the model for a GPU delegate at `opts.gpu` (default options when absent); the report's
/// options say which delegate.
pub fn fix_gpu(bytes: &[u8], flavor: Flavor, opts: &FixOptions) -> Result<(Vec<u8>, GpuFixReport), ModelError> {
    fix_gpu_model(bytes, flavor, opts).map(|(f, r)| (f.into_vec(), r))
}

fn fix_gpu_model<'b>(bytes: &'b [u8], flavor: Flavor, opts: &FixOptions) -> Result<(Fixed<'b>, GpuFixReport), ModelError> {
    let options = opts.gpu.clone().unwrap_or_default();
    let target = GpuTarget { flavor, options: &options };
    let opts = FixOptions { delegate: target.delegate(), gpu: Some(options.clone()), ..opts.clone() };
    fix_model(bytes, &target, &opts)
}

/// The fixed model: the caller's bytes when nothing changed (no copy, so a scan that only wants
/// the report never touches the weights of a mapped file), else the rewritten model.
pub enum Fixed<'a> {
    Unchanged(&'a [u8]),
    Rewritten(Vec<u8>),
}

impl Fixed<'_> {
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Fixed::Unchanged(b) => b.to_vec(),
            Fixed::Rewritten(v) => v,
        }
    }
}

impl std::ops::Deref for Fixed<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Fixed::Unchanged(b) => b,
            Fixed::Rewritten(v) => v,
        }
    }
}

/// What to do with a fix report, whichever delegate it is for (see `fix_delegate`).
pub trait FixVisitor {
    type Out;
    fn visit<A: Analyzed>(self, fixed: Fixed<'_>, report: FixReport<A>) -> Self::Out;
}

/// Fix the model for `delegate` (NNAPI at `opts.target`, a GPU delegate at `opts.gpu`, XNNPACK at
/// `opts.xnnpack`) and hand
/// the fixed bytes and the report to `visitor`. This is the one place that maps a delegate to its
/// planner target: a delegate added to `Delegate` is fixed (and scanned by `zoo`) through it.
pub fn fix_delegate<V: FixVisitor>(bytes: &[u8], delegate: Delegate, opts: &FixOptions, visitor: V) -> Result<V::Out, ModelError> {
    match delegate {
        Delegate::Nnapi => fix_model(bytes, &NnapiTarget(&opts.target), opts).map(|(b, r)| visitor.visit(b, r)),
        Delegate::Gpu => fix_gpu_model(bytes, Flavor::Classic, opts).map(|(b, r)| visitor.visit(b, r)),
        Delegate::LitertGpu => fix_gpu_model(bytes, Flavor::LiteRt, opts).map(|(b, r)| visitor.visit(b, r)),
        Delegate::Xnnpack => {
            let options = opts.xnnpack.clone().unwrap_or_default();
            let opts = FixOptions { delegate: Delegate::Xnnpack, xnnpack: Some(options.clone()), ..opts.clone() };
            fix_model(bytes, &XnnpackTarget(&options), &opts).map(|(b, r)| visitor.visit(b, r))
        }
    }
}

/// Fix the model for `target`: the fixed bytes and a report of what changed.
pub fn fix_for<T: Target>(bytes: &[u8], target: &T, opts: &FixOptions) -> Result<(Vec<u8>, FixReport<T::Analysis>), ModelError> {
    fix_model(bytes, target, opts).map(|(f, r)| (f.into_vec(), r))
}

fn fix_model<'b, T: Target>(bytes: &'b [u8], target: &T, opts: &FixOptions) -> Result<(Fixed<'b>, FixReport<T::Analysis>), ModelError> {
    let m = model::read(bytes)?;
    let before = target.analyze(&m);
    let mut excluded: Vec<Excluded> = Vec::new();
    loop {
        let Attempt { bytes: fixed, changes, not_fixed } = attempt(bytes, &m, target, &before, opts, &excluded)?;
        if changes.is_empty() {
            // The model is unchanged, and so is its analysis.
            let after = before.clone();
            return finish(bytes, &m, target, fixed, Analysed { before, after }, changes, not_fixed, opts);
        }
        let fm = model::read(&fixed)?;
        let after = target.analyze(&fm);
        let mut taken_back = failed_changes(&fm, &after, &changes);
        if taken_back.is_empty() && after.outcome() != Outcome::Full {
            taken_back = unrequested_approximations(&changes, opts);
        }
        if taken_back.is_empty() {
            return finish(bytes, &m, target, fixed, Analysed { before, after }, changes, not_fixed, opts);
        }
        excluded.extend(taken_back);
    }
}

/// The analyses of the original and of the fixed model.
struct Analysed<A> {
    before: A,
    after: A,
}

/// Approximate changes are only worth their error when they complete the delegation, unless the
/// user asked for them by name.
fn unrequested_approximations(changes: &[Change], opts: &FixOptions) -> Vec<Excluded> {
    let requested = |c: &Change| {
        opts.only.as_ref().is_some_and(|o| o.iter().any(|x| x == c.fix))
            || (c.fix == pool::ID && opts.pool_form == PoolForm::Separable)
    };
    changes
        .iter()
        .filter(|c| c.exactness == Exactness::Approximate && !requested(c))
        .map(|c| Excluded {
            fix: c.fix,
            op: c.op,
            why: "the only form here is approximate and would not make the model fully delegated (ask for it with --only or --pool-form separable)".into(),
        })
        .collect()
}

/// One round of planning and applying: the written model, what changed, what stays refused.
struct Attempt<'b> {
    bytes: Fixed<'b>,
    changes: Vec<Change>,
    not_fixed: Vec<NotFixed>,
}

/// Plans and applies every fix not excluded; returns the written model.
fn attempt<'b, T: Target>(
    bytes: &'b [u8],
    m: &Model<'_>,
    target: &T,
    before: &T::Analysis,
    opts: &FixOptions,
    excluded: &[Excluded],
) -> Result<Attempt<'b>, ModelError> {
    let level = match before.fix_level() {
        Ok(level) => level,
        Err(why) => {
            let nf = NotFixed { op: 0, op_type: String::new(), reasons: vec![], why };
            return Ok(Attempt { bytes: Fixed::Unchanged(bytes), changes: vec![], not_fixed: vec![nf] });
        }
    };
    let sg = &m.subgraphs[0]; // ok: model::read refuses models without subgraphs
    let delegate = target.delegate();
    let mut ctx = Ctx { model: m, sg, level, delegate, opts, int32_argmax: Vec::new() };
    let problems = problems(m, target, before, opts);
    ctx.int32_argmax = problems
        .iter()
        .filter(|(i, r)| r.iter().any(|x| argmax::cures(delegate, x)) && plan_op(&ctx, *i, r, excluded).is_ok())
        .map(|(i, _)| *i)
        .collect();
    let mut planned: Vec<(usize, Planned)> = Vec::new();
    let mut not_fixed = Vec::new();
    for (i, reasons) in &problems {
        match plan_op(&ctx, *i, reasons, excluded) {
            Ok(plans) => {
                // A change planned from several of its ops is made once, at its anchor.
                for p in plans {
                    let at = p.anchor(*i);
                    if !planned.iter().any(|(k, q)| *k == at && q.id() == p.id()) {
                        planned.push((at, p));
                    }
                }
            }
            Err(why) => not_fixed.push(NotFixed { op: *i, op_type: sg.operators[*i].type_name(), reasons: reasons.clone(), why }),
        }
    }
    // Highest op first, so inserting ops never shifts an op still to be fixed; in-place fixes of an
    // op before the ones that insert after it.
    planned.sort_by_key(|(i, p)| (std::cmp::Reverse(*i), p.inserts()));
    let mut draft = Draft::open(bytes)?;
    if planned.is_empty() {
        // Nothing to rewrite: the model as given (a rewrite would only cost time). It is checked as
        // a rewrite would check it, so a model `fix` cannot write is still refused.
        draft.check_sizes()?;
        return Ok(Attempt { bytes: Fixed::Unchanged(bytes), changes: Vec::new(), not_fixed });
    }
    let mut changes: Vec<Change> = planned.iter().map(|(_, p)| p.apply(&mut draft)).collect();
    changes.sort_by_key(|c| c.op);
    Ok(Attempt { bytes: Fixed::Rewritten(draft.write()?), changes, not_fixed })
}

/// Ops of the primary subgraph with the reasons they keep the target from running them: the ops
/// its analysis refuses and the problems only the target knows of (`Target::hidden_problems`).
fn problems<T: Target>(m: &Model<'_>, target: &T, before: &T::Analysis, opts: &FixOptions) -> Vec<(usize, Vec<String>)> {
    let mut list: Vec<(usize, Vec<String>)> = before.refused().iter().map(|r| (r.index, r.reasons.clone())).collect();
    list.extend(target.hidden_problems(m, before, opts));
    list.sort_by_key(|(i, _)| *i);
    list
}

/// Changes whose ops the fixed model still refuses.
fn failed_changes(fm: &Model<'_>, after: &impl Analyzed, changes: &[Change]) -> Vec<Excluded> {
    let sg = &fm.subgraphs[0]; // ok: model::read refuses models without subgraphs
    let refused_outputs: Vec<i32> =
        after.refused().iter().flat_map(|r| sg.operators.get(r.index).map(|o| o.outputs.clone()).unwrap_or_default()).collect();
    let int64_failure = after.failure().and_then(|f| f.op_index).map(|i| sg.operators.get(i).map(|o| o.outputs.clone()).unwrap_or_default());
    changes
        .iter()
        .filter(|c| c.touched.iter().any(|t| refused_outputs.contains(t) || int64_failure.as_ref().is_some_and(|o| o.contains(t))))
        .map(|c| Excluded { fix: c.fix, op: c.op, why: "the rewritten ops were still refused".into() })
        .collect()
}

/// Applies the requested cuts, then builds the report; `after` is the analysis of `fixed` as it
/// comes in, recomputed only when a cut changed the model.
#[allow(clippy::too_many_arguments)]
fn finish<'b, T: Target>(
    original: &'b [u8],
    m: &Model<'_>,
    target: &T,
    mut fixed: Fixed<'b>,
    analysed: Analysed<T::Analysis>,
    mut changes: Vec<Change>,
    mut not_fixed: Vec<NotFixed>,
    opts: &FixOptions,
) -> Result<(Fixed<'b>, FixReport<T::Analysis>), ModelError> {
    let Analysed { before, mut after } = analysed;
    let mut not_cut = Vec::new();
    for &c in &opts.cut {
        let fm = model::read(&fixed)?;
        let cpu: Vec<usize> = after.plan().iter().filter(|r| !r.is_delegate()).map(|r| r.index).collect();
        if let (Some(f), true) = (after.failure(), cpu.is_empty()) {
            not_cut.push(format!("nothing to cut: {} {}", f.message, f.reason));
            continue;
        }
        let mut d = Draft::open(&fixed)?;
        let cuts = cut::apply(&mut d, &fm.subgraphs[0], &cpu, c);
        not_cut.extend(cuts.stops.iter().cloned());
        if !cuts.changes.is_empty() {
            forget_removed(&mut not_fixed, m, &fm, &cuts.removed);
            let written = d.write()?;
            changes.extend(cuts.changes);
            fixed = Fixed::Rewritten(written);
            after = target.analyze(&model::read(&fixed)?);
        }
    }
    if changes.is_empty() {
        // Unchanged: the caller gets the very bytes it gave (the analysis is of the same model).
        fixed = Fixed::Unchanged(original);
    }
    let before_costs = cost::op_costs(m);
    let before_verdict = before.verdict(&before_costs);
    let after_verdict = if changes.is_empty() {
        after.verdict(&before_costs)
    } else {
        after.verdict(&cost::op_costs(&model::read(&fixed)?))
    };
    let largest_partition =
        before.largest_partition().zip(after.largest_partition()).map(|(before, after)| LargestPartition { before, after });
    let output_size = fixed.len();
    let report = FixReport {
        format: FIX_FORMAT,
        options: opts.clone(),
        changes,
        not_fixed,
        not_cut,
        before,
        before_verdict,
        after,
        after_verdict,
        largest_partition,
        output_size,
    };
    Ok((fixed, report))
}

/// Ops a cut removed are not "cannot fix" any more. `not_fixed` counts ops of the original model
/// `m`, the cut those of `cut_model` (after the other fixes, which may insert ops), so they are
/// matched by the tensors they write: the fixes never renumber the tensors of ops they leave alone.
fn forget_removed(not_fixed: &mut Vec<NotFixed>, m: &Model<'_>, cut_model: &Model<'_>, removed: &[usize]) {
    let outputs_of = |model: &Model<'_>, i: usize| model.subgraphs[0].operators.get(i).map(|o| o.outputs.clone());
    let gone: Vec<Vec<i32>> = removed.iter().filter_map(|&i| outputs_of(cut_model, i)).collect();
    not_fixed.retain(|n| n.reasons.is_empty() || !outputs_of(m, n.op).is_some_and(|o| gone.contains(&o)));
}

/// Text form of a fix report.
pub fn render_text<A: Analyzed>(r: &FixReport<A>) -> String {
    let mut out = format!("Fixing for {}\n\nBefore: {}\n", r.before.title(), r.before_verdict.summary);
    if r.changes.is_empty() {
        out += "\nNo fix applies.\n";
    } else {
        out += &format!("\nChanges ({}):\n", r.changes.len());
        for c in &r.changes {
            out += &format!("  op {:>3} {:<18} [{}] {} — {:?}", c.op, c.op_type, c.fix, c.what, c.exactness);
            if !c.detail.is_empty() {
                out += &format!(" ({})", c.detail);
            }
            out += "\n";
        }
    }
    out += &render_not_fixed(&r.not_fixed);
    for line in &r.not_cut {
        out += &format!("\nCannot cut: {line}\n");
    }
    out += &format!("\nAfter: {}\n", r.after_verdict.summary);
    if let Some(p) = r.largest_partition {
        out += &format!("Largest partition: {} → {} of {} nodes\n", p.before, p.after, r.after.total_nodes());
    }
    for row in r.after.plan() {
        out += &format!("\t{:>24}\t{}\n", row.node_type, row.name);
    }
    out
}

/// Ops that stay refused, grouped when they share the op type, reasons and explanation.
fn render_not_fixed(list: &[NotFixed]) -> String {
    let mut groups: Vec<(&NotFixed, Vec<usize>)> = Vec::new();
    for n in list {
        match groups.iter_mut().find(|(g, _)| g.op_type == n.op_type && g.reasons == n.reasons && g.why == n.why) {
            Some((_, ops)) => ops.push(n.op),
            None => groups.push((n, vec![n.op])),
        }
    }
    let mut out = String::new();
    for (n, ops) in groups {
        if n.reasons.is_empty() {
            out += &format!("\nNothing to fix: {}\n", n.why);
            continue;
        }
        let ops: Vec<String> = ops.iter().map(|o| o.to_string()).collect();
        out += &format!(
            "\nCannot fix {} {} (op{} {}): {}\n  because: {}\n",
            ops.len(),
            n.op_type,
            if ops.len() == 1 { "" } else { "s" },
            ops.join(", "),
            n.reasons.join(" | "),
            n.why
        );
    }
    out
}
