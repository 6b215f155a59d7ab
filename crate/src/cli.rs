//! Command-line parsing and dispatch, kept in the library so tests can run it without a process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use lexopt::prelude::*;

use crate::analyze;
use crate::delegates::gpu::policy::{Backend, Flavor, GpuOptions};
use crate::delegates::xnnpack::{XnnpackFlags, XnnpackOptions};
use crate::exports::{markdown, model_explorer, TargetView};
use crate::fixes::{self, Cut, Delegate, FixOptions, PoolForm};
use crate::nnapi::delegate::{Options, Outcome};
use crate::{inspect, model, zoo};

pub const USAGE: &str = "\
usage: delegate-doctor <command> [options]

commands:
  inspect MODEL [--format text|json]     the model summary and its operators
  analyze MODEL [--delegate nnapi|gpu|litert-gpu|xnnpack|all] [flags] [--format text|json|md] [--require-full-delegation]
                                         how a delegate splits the model (default: NNAPI;
                                         all: NNAPI at every level, both GPU delegates, XNNPACK,
                                         and which accelerator runs most of the model)
  analyze MODEL --format model-explorer -o DIR
                                         one Model Explorer node-data overlay per target in DIR
  analyze DIR_OR_FILES... [--delegate ...] [flags] [--format text|md|json|jsonl]
                                         zoo scan: every .tflite under the paths, one row per
                                         model and target (NNAPI at --sdk, default 29), and
                                         whether fix would make it fully delegated
  fix MODEL -o OUT [--delegate nnapi|gpu|litert-gpu] [flags] [--only IDS] [--skip IDS] [--cut tail|head]
                 [--pool-form auto|mean|separable] [--format text|json|md] [--require-full-delegation]
                                         rewrite the model so the delegate accepts more of it
                                         (default: NNAPI at --sdk 29; fixes: argmax-int32,
                                         resize-align-corners, avg-pool-window, int64-constants,
                                         int64-tensors, conv-zero-bias, fp16-weights-to-fp32,
                                         dilated-conv, transpose-conv-bias;
                                         cut only on request; for the GPU delegates it reports
                                         how the largest partition grows)
  help                                   this text

analyze flags (benchmark_model's, with its defaults; '_' or '-' both work):
  --sdk N                          Android API level 27..35 (default: every level)
  --disable-nnapi-cpu[=true|false] exclude nnapi-reference (default true)
  --nnapi-accelerator-name NAME    target one NNAPI device
  --max-delegated-partitions N     keep the N largest partitions (default 0 = no limit)
  --disable-delegate-clustering    non-greedy partitioning
  --nnapi-allow-dynamic-dimensions accept dynamic-sized tensors
  --nnapi-feature-level L          NNAPI runtime feature level: 27..31 or FL6..FL8 (default: from --sdk)
  --device-feature-level L         target device feature level, same values (default: the runtime's)
  --nnapi-devices A,B              NNAPI device names on the phone (default: assume what is named exists)

GPU flags (--delegate gpu; LiteRT's accelerator has no options that change its decision):
  --gpu-backend cl|gl              OpenCL (default) or OpenGL ES only (then SPLIT, SPLIT_V are refused)
  --gpu-experimental-enable-quant[=true|false]  quantized ops on the GPU (default true)
  --gpu-precision-loss-allowed[=true|false]     fp16 arithmetic; does not change which ops run
  --max-delegated-partitions N     partitions the GPU delegate keeps (default 1; <= 0 means 1)

XNNPACK flags (--delegate xnnpack, applied on its own; every partition is kept):
  --xnnpack-flags LIST             the delegate's TFLITE_XNNPACK_DELEGATE_FLAG_* names, comma-separated,
                                   any case: qs8, qu8, force_fp16, dynamic_fully_connected,
                                   enable_latest_operators, disable_subgraph_reshaping,
                                   disable_dynamically_quantized_ops, ... (the whole set; none;
                                   default = TFLite's default build: qs8,qu8)
  --xnnpack_force_fp16[=true|false]  benchmark_model's flag: adds force_fp16

the plan that really runs (--delegate nnapi|gpu|litert-gpu|all):
  --use-xnnpack=false              leave out TFLite's default XNNPACK delegate, which the interpreter
                                   applies lazily after the delegate (default: applied, and shown as the
                                   combined plan next to the delegate's own)

exit codes: 0 done, 2 bad input or usage (a zoo scan: after every file, when some could not be read),
            3 with --require-full-delegation when some analysed level is not fully delegated
";

/// What a command printed and its exit code.
pub struct Output {
    pub stdout: String,
    /// Said on stderr after stdout (e.g. the files a zoo scan could not read).
    pub stderr: String,
    pub code: u8,
}

impl Output {
    fn ok(stdout: String) -> Output {
        Output { stdout, stderr: String::new(), code: 0 }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Json,
    /// GitHub-flavoured Markdown (`analyze`, `fix`, zoo scans).
    Md,
    /// One JSON object per line (zoo scans).
    Jsonl,
    /// Model Explorer node-data overlays, one file per target (`analyze MODEL -o DIR`).
    ModelExplorer,
}

/// `--format`, one of `allowed` (the command's formats).
fn parse_format(v: OsString, allowed: &[Format]) -> Result<Format, String> {
    let all = [
        ("text", Format::Text),
        ("json", Format::Json),
        ("md", Format::Md),
        ("jsonl", Format::Jsonl),
        ("model-explorer", Format::ModelExplorer),
    ];
    let v = v.to_string_lossy();
    let names: Vec<&str> = all.iter().filter(|(_, f)| allowed.contains(f)).map(|(n, _)| *n).collect();
    match all.iter().find(|(n, f)| *n == v && allowed.contains(f)) {
        Some((_, f)) => Ok(*f),
        None => Err(format!("--format must be {}, not {v:?}", names.join(" or "))),
    }
}

pub fn run(args: Vec<OsString>) -> Result<Output, String> {
    let mut parser = lexopt::Parser::from_args(args);
    let command = match parser.next().map_err(|e| e.to_string())? {
        Some(Value(v)) => v.to_string_lossy().into_owned(),
        Some(Long("help")) | Some(Short('h')) | None => return Ok(Output::ok(USAGE.into())),
        Some(Long("version")) => return Ok(Output::ok(format!("delegate-doctor {}\n", env!("CARGO_PKG_VERSION")))),
        Some(other) => return Err(format!("{}\n{USAGE}", other.unexpected())),
    };
    match command.as_str() {
        "inspect" => cmd_inspect(parser),
        "analyze" | "analyse" => cmd_analyze(parser),
        "fix" => cmd_fix(parser),
        "help" => Ok(Output::ok(USAGE.into())),
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}

/// A model file's bytes, for `model::read` (which verifies the flatbuffer in place): the file
/// mapped read-only where that is possible, otherwise a copy in memory.
pub enum FileBytes {
    #[cfg(not(target_arch = "wasm32"))]
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

/// Opens a model file. A non-empty regular file is mapped, so that only the pages the reader
/// touches (the graph, not the weights) are loaded: a 170 MB model then costs about what a 2 MB
/// one with the same graph costs. Anything else — an empty file (which cannot be mapped), a pipe
/// or a device such as /dev/stdin, a failed map, or `DD_READ=plain` in the environment (kept to
/// compare both ways, see docs/benchmarks.md) — is read into memory from the same open handle.
pub fn read_file(path: &Path) -> Result<FileBytes, String> {
    let cannot_read = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = std::fs::File::open(path).map_err(cannot_read)?;
    let regular_len = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(map) = regular_len.filter(|&len| len > 0).and_then(|_| map_model(&file)) {
        return Ok(FileBytes::Mapped(map));
    }
    // As std::fs::read does: reserve the file's size up front when it is known.
    let mut bytes = Vec::new();
    let _ = bytes.try_reserve_exact(regular_len.and_then(|len| usize::try_from(len).ok()).unwrap_or(0));
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(cannot_read)?;
    Ok(FileBytes::Read(bytes))
}

/// A non-empty regular file mapped read-only; None (read it instead) when `DD_READ=plain` or the
/// map fails.
///
/// Why the map is sound here: the file is opened read-only and this program never writes to it
/// while it is mapped (`fix` unmaps its input before writing its output, which may be the same
/// path). What the map cannot rule out is *another* process changing the file meanwhile: its new
/// bytes would show through under a flatbuffer the reader has verified once and then trusts (a
/// wrong report, or at worst a crash), and a truncation makes reading the lost pages raise
/// SIGBUS, which kills the process without an error message. That is the trade-off memmap2
/// documents for `Mmap::map` (and that every tool mapping its input accepts); a model that may be
/// rewritten while it is analysed can be read with `DD_READ=plain` instead.
#[cfg(not(target_arch = "wasm32"))]
fn map_model(file: &std::fs::File) -> Option<memmap2::Mmap> {
    if std::env::var_os("DD_READ").is_some_and(|v| v == "plain") {
        return None;
    }
    // SAFETY: a read-only map of a file this process does not modify; see the comment above for
    // what another process could do.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

fn cmd_inspect(mut parser: lexopt::Parser) -> Result<Output, String> {
    let mut path: Option<PathBuf> = None;
    let mut format = Format::Text;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("format") => format = parse_format(parser.value().map_err(|e| e.to_string())?, &[Format::Text, Format::Json])?,
            Value(v) if path.is_none() => path = Some(v.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let path = path.ok_or("inspect needs a MODEL path")?;
    let bytes = read_file(&path)?;
    let m = model::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let report = inspect::report(&m);
    let stdout = match format {
        Format::Json => to_json(&report)?,
        _ => inspect::render_text(&report),
    };
    Ok(Output::ok(stdout))
}

pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| format!("internal error: {e}"))
}

fn flag_value(parser: &mut lexopt::Parser, flag: &str) -> Result<String, String> {
    parser
        .value()
        .map(|v| v.to_string_lossy().into_owned())
        .map_err(|_| format!("--{flag} needs a value"))
}

fn parse_num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.trim().parse().map_err(|_| format!("--{flag} expects a number, not {v:?}"))
}

fn parse_bool(flag: &str, v: &str) -> Result<bool, String> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("--{flag} expects true or false, not {v:?}")),
    }
}

/// `--sdk`: the Android API levels modelled, 27 (Android 8.1, the first with NNAPI) to 35 (Android 15).
fn parse_sdk(v: &str) -> Result<u32, String> {
    let (first, last) = (analyze::ALL_LEVELS[0], analyze::ALL_LEVELS[analyze::ALL_LEVELS.len() - 1]);
    match v.trim().parse::<u32>() {
        Ok(n) if (first..=last).contains(&n) => Ok(n),
        _ => Err(format!("--sdk takes an Android API level from {first} to {last}, not {v:?}")),
    }
}

/// The NNAPI feature levels the delegate knows (`kNNAPIRuntimeFeatureLevel*` in
/// tflite/delegates/nnapi/nnapi_delegate_kernel.h and NeuralNetworksTypes.h): the API levels 27–31,
/// then feature levels 6–8 (Android 13–15), written FL6…FL8 or as the runtime reports them,
/// 1000006…1000008.
pub const FEATURE_LEVELS: [i64; 8] = [27, 28, 29, 30, 31, 1_000_006, 1_000_007, 1_000_008];

fn parse_feature_level(flag: &str, v: &str) -> Result<i64, String> {
    let t = v.trim();
    let n = match t.strip_prefix("FL").or_else(|| t.strip_prefix("fl")) {
        Some(k) => k.parse::<i64>().ok().map(|k| 1_000_000 + k),
        None => t.parse::<i64>().ok(),
    };
    match n {
        Some(n) if FEATURE_LEVELS.contains(&n) => Ok(n),
        _ => Err(format!(
            "--{flag} takes an NNAPI feature level: 27, 28, 29, 30, 31, or FL6, FL7, FL8 (also written 1000006, 1000007, 1000008), not {v:?}"
        )),
    }
}

/// Delegate flags shared by `analyze` and `fix`; returns false when `name` is not one of them.
pub fn delegate_flag(
    parser: &mut lexopt::Parser,
    name: &str,
    o: &mut Options,
    levels: &mut Option<Vec<u32>>,
) -> Result<bool, String> {
    match name {
        "sdk" => *levels = Some(vec![parse_sdk(&flag_value(parser, name)?)?]),
        "disable-nnapi-cpu" => {
            o.disable_nnapi_cpu = match parser.optional_value() {
                Some(v) => parse_bool(name, &v.to_string_lossy())?,
                None => true,
            }
        }
        "nnapi-accelerator-name" => {
            let v = flag_value(parser, name)?;
            o.accelerator_name = (!v.is_empty()).then_some(v);
        }
        "max-delegated-partitions" => o.max_delegated_partitions = parse_num(name, &flag_value(parser, name)?)?,
        "disable-delegate-clustering" => o.disable_delegate_clustering = true,
        "nnapi-allow-dynamic-dimensions" => o.allow_dynamic_dimensions = true,
        "nnapi-feature-level" => o.feature_level = Some(parse_feature_level(name, &flag_value(parser, name)?)?),
        "device-feature-level" => o.device_feature_level = Some(parse_feature_level(name, &flag_value(parser, name)?)?),
        "nnapi-devices" => {
            let v = flag_value(parser, name)?;
            o.devices = Some(v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect());
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Which delegates `analyze` (and `fix`) look at: `--delegate nnapi|gpu|litert-gpu|all`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Nnapi,
    Gpu,
    LitertGpu,
    Xnnpack,
    All,
}

impl Target {
    /// The delegates a zoo scan or an overlay export covers: `all` is `Delegate::ALL`.
    fn delegates(self) -> Vec<Delegate> {
        match self {
            Target::Nnapi => vec![Delegate::Nnapi],
            Target::Gpu => vec![Delegate::Gpu],
            Target::LitertGpu => vec![Delegate::LitertGpu],
            Target::Xnnpack => vec![Delegate::Xnnpack],
            Target::All => Delegate::ALL.to_vec(),
        }
    }
}

fn parse_target(v: &str) -> Result<Target, String> {
    match v {
        "nnapi" => Ok(Target::Nnapi),
        "gpu" => Ok(Target::Gpu),
        "litert-gpu" => Ok(Target::LitertGpu),
        "xnnpack" => Ok(Target::Xnnpack),
        "all" => Ok(Target::All),
        other => Err(format!("--delegate takes nnapi, gpu, litert-gpu, xnnpack or all, not {other:?}")),
    }
}

/// GPU delegate flags (benchmark_model's names); returns false when `name` is not one of them.
fn gpu_flag(parser: &mut lexopt::Parser, name: &str, g: &mut GpuOptions) -> Result<bool, String> {
    let optional_bool = |parser: &mut lexopt::Parser| -> Result<bool, String> {
        match parser.optional_value() {
            Some(v) => parse_bool(name, &v.to_string_lossy()),
            None => Ok(true),
        }
    };
    match name {
        "gpu-backend" => {
            g.backend = match flag_value(parser, name)?.as_str() {
                "cl" => Backend::Cl,
                "gl" => Backend::Gl,
                other => return Err(format!("--gpu-backend takes cl or gl, not {other:?}")),
            }
        }
        "gpu-experimental-enable-quant" => g.enable_quant = optional_bool(parser)?,
        "gpu-precision-loss-allowed" => g.precision_loss_allowed = optional_bool(parser)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// XNNPACK delegate flags: `--xnnpack-flags LIST` (the delegate's flag names) and
/// benchmark_model's `--xnnpack_force_fp16` (`name` has `_` turned into `-`); returns false when
/// `name` is not one of them.
fn xnnpack_flag(parser: &mut lexopt::Parser, name: &str, x: &mut XnnpackOptions) -> Result<bool, String> {
    match name {
        "xnnpack-flags" => {
            let force_fp16 = x.flags.force_fp16;
            x.flags = XnnpackFlags::parse(&flag_value(parser, name)?)?;
            x.flags.force_fp16 |= force_fp16;
        }
        "xnnpack-force-fp16" => {
            x.flags.force_fp16 = match parser.optional_value() {
                Some(v) => parse_bool(name, &v.to_string_lossy())?,
                None => true,
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// What `analyze` was asked for.
struct AnalyzeArgs {
    paths: Vec<PathBuf>,
    out: Option<PathBuf>,
    format: Format,
    require_full: bool,
    options: Options,
    gpu: GpuOptions,
    /// XNNPACK on its own (`--delegate xnnpack`) and after the delegate (the combined plan).
    xnnpack: XnnpackOptions,
    /// Add the plan that really runs (`--use-xnnpack`, default true).
    use_xnnpack: bool,
    target: Target,
    levels: Option<Vec<u32>>,
}

fn analyze_args(mut parser: lexopt::Parser) -> Result<AnalyzeArgs, String> {
    let formats = [Format::Text, Format::Json, Format::Md, Format::Jsonl, Format::ModelExplorer];
    let mut a = AnalyzeArgs {
        paths: Vec::new(),
        out: None,
        format: Format::Text,
        require_full: false,
        options: Options::default(),
        gpu: GpuOptions::default(),
        xnnpack: XnnpackOptions::default(),
        use_xnnpack: true,
        target: Target::Nnapi,
        levels: None,
    };
    let mut limit_given = false;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('o') => a.out = Some(parser.value().map_err(|e| e.to_string())?.into()),
            Long(name) => {
                let name = name.replace('_', "-");
                match name.as_str() {
                    "format" => a.format = parse_format(parser.value().map_err(|e| e.to_string())?, &formats)?,
                    "output" => a.out = Some(parser.value().map_err(|e| e.to_string())?.into()),
                    "require-full-delegation" => a.require_full = true,
                    "delegate" => a.target = parse_target(&flag_value(&mut parser, "delegate")?)?,
                    "use-xnnpack" => {
                        a.use_xnnpack = match parser.optional_value() {
                            Some(v) => parse_bool("use-xnnpack", &v.to_string_lossy())?,
                            None => true,
                        }
                    }
                    other => {
                        limit_given |= other == "max-delegated-partitions";
                        if !gpu_flag(&mut parser, other, &mut a.gpu)?
                            && !xnnpack_flag(&mut parser, other, &mut a.xnnpack)?
                            && !delegate_flag(&mut parser, other, &mut a.options, &mut a.levels)?
                        {
                            return Err(format!("unknown flag --{other}\n{USAGE}"));
                        }
                    }
                }
            }
            Value(v) => a.paths.push(v.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if limit_given {
        a.gpu.max_delegated_partitions = a.options.max_delegated_partitions;
    }
    Ok(a)
}

fn cmd_analyze(parser: lexopt::Parser) -> Result<Output, String> {
    let a = analyze_args(parser)?;
    match a.paths.as_slice() {
        [] => Err("analyze needs a MODEL path (or several, or a directory, for a zoo scan)".into()),
        [one] if !one.is_dir() => analyze_one(&a, one),
        _ => zoo_scan(&a),
    }
}

/// The display name of a model file in reports: its file name.
fn model_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// One model: the analysis at every requested level and delegate.
fn analyze_one(a: &AnalyzeArgs, path: &Path) -> Result<Output, String> {
    if a.format == Format::Jsonl {
        return Err("--format jsonl is for zoo scans (several models or a directory); use --format json for one model".into());
    }
    if a.out.is_some() && a.format != Format::ModelExplorer {
        return Err("analyze -o DIR is for --format model-explorer".into());
    }
    let bytes = read_file(path)?;
    let m = model::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let levels = match a.target {
        Target::Nnapi | Target::All => a.levels.clone().unwrap_or_else(|| analyze::ALL_LEVELS.to_vec()),
        Target::Gpu | Target::LitertGpu | Target::Xnnpack => Vec::new(),
    };
    let mut report = analyze::report(&m, &a.options, &levels);
    if matches!(a.target, Target::Gpu | Target::All) {
        analyze::add_gpu(&mut report, &m, Flavor::Classic, &a.gpu);
    }
    if matches!(a.target, Target::LitertGpu | Target::All) {
        analyze::add_gpu(&mut report, &m, Flavor::LiteRt, &a.gpu);
    }
    if matches!(a.target, Target::Xnnpack | Target::All) {
        analyze::add_xnnpack(&mut report, &m, &a.xnnpack);
    }
    if a.use_xnnpack {
        analyze::add_combined(&mut report, &m, &a.xnnpack);
    }
    let stdout = match a.format {
        Format::Json => to_json(&report)?,
        Format::Md => markdown::analyze_report(&report, &model_name(path)),
        Format::ModelExplorer => write_overlays(&m, &report, path, a.out.as_deref())?,
        _ => analyze::render_text(&report),
    };
    let all_full = report.analyses.iter().all(|a| a.analysis.outcome == Outcome::Full)
        && report.gpu.iter().all(|a| a.analysis.outcome == Outcome::Full)
        && report.xnnpack.iter().all(|a| a.analysis.outcome == Outcome::Full);
    Ok(Output { stdout, stderr: String::new(), code: if a.require_full && !all_full { 3 } else { 0 } })
}

/// Writes one Model Explorer overlay per analysed target into `dir`, and one of the plan that
/// really runs for each target that has it; says which.
fn write_overlays(m: &model::Model<'_>, report: &analyze::Report, path: &Path, dir: Option<&Path>) -> Result<String, String> {
    let dir = dir.ok_or("--format model-explorer needs -o DIR, the directory to write the overlays in")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stem = path.file_stem().map_or_else(|| "model".to_string(), |s| s.to_string_lossy().into_owned());
    let mut said = String::new();
    for t in TargetView::all(report) {
        let file = dir.join(model_explorer::file_name(&stem, &t));
        let json = to_json(&model_explorer::overlay(m, &t))?;
        std::fs::write(&file, json).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        said += &format!("{}: {}\n", t.title, file.display());
        if let Some(overlay) = model_explorer::combined_overlay(m, &t) {
            let file = dir.join(model_explorer::combined_file_name(&stem, &t));
            std::fs::write(&file, to_json(&overlay)?).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            said += &format!("{}, then XNNPACK (the plan that really runs): {}\n", t.title, file.display());
        }
    }
    Ok(said)
}

/// Several models (paths, directories searched for `.tflite` files): one row per model and
/// target. NNAPI is analysed at one level, `--sdk` (default 29, as `fix`).
fn zoo_scan(a: &AnalyzeArgs) -> Result<Output, String> {
    if a.format == Format::ModelExplorer {
        return Err("--format model-explorer takes one model".into());
    }
    if a.out.is_some() {
        return Err("analyze -o DIR is for --format model-explorer, which takes one model".into());
    }
    let sdk = a.levels.as_ref().and_then(|l| l.first().copied()).unwrap_or(29);
    let o = zoo::ZooOptions {
        nnapi: Options { sdk, ..a.options.clone() },
        gpu: a.gpu.clone(),
        xnnpack: a.xnnpack.clone(),
        delegates: a.target.delegates(),
    };
    let files = zoo::model_files(&a.paths);
    let report = zoo::scan(files, &o, progress_line);
    clear_progress();
    let stdout = match a.format {
        Format::Json => to_json(&report)?,
        Format::Jsonl => zoo::render_jsonl(&report)?,
        Format::Md => zoo::render_md(&report),
        _ => zoo::render_text(&report),
    };
    let stderr: String = report.errors.iter().map(|e| format!("delegate-doctor: {}\n", e.error)).collect();
    // Unreadable or invalid files are bad input (2) and say more than a partial delegation (3).
    let code = if !report.errors.is_empty() {
        2
    } else if a.require_full && !report.all_full() {
        3
    } else {
        0
    };
    Ok(Output { stdout, stderr, code })
}

/// "[3/100] path" on stderr, overwritten by the next one, when stderr is a terminal.
fn progress_line(done: usize, total: usize, path: &Path) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[K[{}/{total}] {}", done + 1, path.display());
        let _ = err.flush();
    }
}

fn clear_progress() {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[K");
    }
}

fn id_list(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn check_fix_ids(ids: &[String]) -> Result<(), String> {
    match ids.iter().find(|id| !fixes::ALL_FIXES.contains(&id.as_str())) {
        Some(bad) => Err(format!("unknown fix {bad:?}; the fixes are {}", fixes::ALL_FIXES.join(", "))),
        None => Ok(()),
    }
}

fn cmd_fix(mut parser: lexopt::Parser) -> Result<Output, String> {
    let mut path: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut format = Format::Text;
    let mut require_full = false;
    let mut o = FixOptions::default();
    let mut levels: Option<Vec<u32>> = None;
    let mut g = GpuOptions::default();
    let mut delegate = Delegate::Nnapi;
    let mut limit_given = false;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('o') => out = Some(parser.value().map_err(|e| e.to_string())?.into()),
            Long(name) => {
                let name = name.replace('_', "-");
                match name.as_str() {
                    "output" => out = Some(parser.value().map_err(|e| e.to_string())?.into()),
                    "format" => format = parse_format(parser.value().map_err(|e| e.to_string())?, &[Format::Text, Format::Json, Format::Md])?,
                    "require-full-delegation" => require_full = true,
                    "delegate" => delegate = parse_fix_delegate(&flag_value(&mut parser, "delegate")?)?,
                    "only" => o.only = Some(id_list(&flag_value(&mut parser, "only")?)),
                    "skip" => o.skip = id_list(&flag_value(&mut parser, "skip")?),
                    "cut" => {
                        for c in id_list(&flag_value(&mut parser, "cut")?) {
                            o.cut.push(match c.as_str() {
                                "tail" => Cut::Tail,
                                "head" => Cut::Head,
                                other => return Err(format!("--cut takes tail or head, not {other:?}")),
                            });
                        }
                    }
                    "pool-form" => {
                        o.pool_form = match flag_value(&mut parser, "pool-form")?.as_str() {
                            "auto" => PoolForm::Auto,
                            "mean" => PoolForm::Mean,
                            "separable" => PoolForm::Separable,
                            other => return Err(format!("--pool-form takes auto, mean or separable, not {other:?}")),
                        }
                    }
                    other => {
                        limit_given |= other == "max-delegated-partitions";
                        if !gpu_flag(&mut parser, other, &mut g)? && !delegate_flag(&mut parser, other, &mut o.target, &mut levels)? {
                            return Err(format!("unknown flag --{other}\n{USAGE}"));
                        }
                    }
                }
            }
            Value(v) if path.is_none() => path = Some(v.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let path = path.ok_or("fix needs a MODEL path")?;
    let out = out.ok_or("fix needs -o OUT, the path of the fixed model")?;
    check_fix_ids(o.only.as_deref().unwrap_or(&[]))?;
    check_fix_ids(&o.skip)?;
    o.target.sdk = levels.and_then(|l| l.first().copied()).unwrap_or(29);
    if limit_given {
        g.max_delegated_partitions = o.target.max_delegated_partitions;
    }
    let bytes = read_file(&path)?;
    if !delegate.is_nnapi() {
        o.gpu = Some(g);
    }
    let name = model_name(&path);
    let visitor = FixDoneOf { format, name: &name };
    let (fixed, done) = fixes::fix_delegate(&bytes, delegate, &o, visitor).map_err(|e| format!("{}: {e}", path.display()))?;
    let done = done?;
    // Unmap the input before writing: OUT may be the input itself, and truncating a mapped file
    // would pull its pages from under the map. The report owns its data, so nothing reads the
    // input after this (the borrow checker would refuse the drop otherwise).
    drop(bytes);
    std::fs::write(&out, &fixed).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let stdout = match format {
        Format::Text if done.unchanged => {
            format!("{}\nWrote an unchanged copy to {} ({} bytes).\n", done.text, out.display(), fixed.len())
        }
        Format::Text => format!("{}\nWrote {} ({} bytes).\n", done.text, out.display(), fixed.len()),
        _ => done.text,
    };
    Ok(Output { stdout, stderr: String::new(), code: if require_full && !done.full { 3 } else { 0 } })
}

/// What `fix` prints, whichever delegate the report is for.
struct FixDone {
    /// The text or JSON form of the report.
    text: String,
    unchanged: bool,
    full: bool,
}

/// Renders a fix report in `format`, whichever delegate it is for; the report's heading names the
/// model `name`.
struct FixDoneOf<'a> {
    format: Format,
    name: &'a str,
}

impl fixes::FixVisitor for FixDoneOf<'_> {
    type Out = (Vec<u8>, Result<FixDone, String>);
    fn visit<A: fixes::Analyzed>(self, fixed: fixes::Fixed<'_>, r: fixes::FixReport<A>) -> Self::Out {
        let text = match self.format {
            Format::Json => to_json(&r),
            Format::Md => Ok(markdown::fix_report(&r, self.name)),
            _ => Ok(fixes::render_text(&r)),
        };
        let done = text.map(|text| FixDone { text, unchanged: r.changes.is_empty(), full: r.after.outcome() == Outcome::Full });
        (fixed.into_vec(), done)
    }
}

fn parse_fix_delegate(v: &str) -> Result<Delegate, String> {
    match v {
        "nnapi" => Ok(Delegate::Nnapi),
        "gpu" => Ok(Delegate::Gpu),
        "litert-gpu" => Ok(Delegate::LitertGpu),
        other => Err(format!("fix --delegate takes nnapi, gpu or litert-gpu, not {other:?}")),
    }
}
