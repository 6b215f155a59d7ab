//! `--format md`: the report a user pastes into an issue or a pull request (GitHub-flavoured
//! Markdown). The page's "Copy report as Markdown" button copies `fix_report`'s output, so the CLI
//! and the page say the same.
//!
//! Everything read from the model (op and tensor names, custom codes, and the reasons and
//! summaries quoting them) is untrusted text: `escape` keeps it plain text, one line, inside a
//! table cell.

use crate::analyze::{options_flags, Report};
use crate::combined::{CombinedRow, RunsOn};
use crate::fixes::{Analyzed, Delegate, FixReport, NotFixed};
use crate::plan::{PlanRow, Refusal};

use super::{outcome_word, TargetView};

/// Plain text for a Markdown table cell or paragraph: line breaks become spaces; HTML's `<`, `>`
/// and `&` become entities (so no tag or entity of the text is interpreted); and the ASCII
/// punctuation that opens or closes markup is backslash-escaped (`|` would end a cell, a backtick
/// open code, `*`/`_`/`~` emphasis, `[`/`]`/`!` a link or image, `$` math and `@`/`#` a mention or
/// reference on GitHub). CommonMark drops a backslash before any ASCII punctuation when rendering.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The run order as a table: one row per delegate kernel (numbered in run order, with its op
/// count) or op left on the CPU.
fn plan_table(plan: &[PlanRow]) -> String {
    let mut out = String::from("| # | runs on | [node type] | [Name] |\n|---|---|---|---|\n");
    let mut kernel = 0;
    for (i, row) in plan.iter().enumerate() {
        let runs_on = match &row.nodes {
            Some(nodes) => {
                kernel += 1;
                format!("kernel {kernel} ({} op{})", nodes.len(), plural(nodes.len()))
            }
            None => "CPU".to_string(),
        };
        out += &format!("| {i} | {runs_on} | {} | {} |\n", escape(&row.node_type), escape(&row.name));
    }
    out
}

/// A refusal's reasons in one cell.
fn reasons_cell(r: &Refusal) -> String {
    let reasons: Vec<String> = r
        .reasons
        .iter()
        .map(|x| if x.is_empty() { "(no message: a DEQUANTIZE of constant fp16 weights, which stays on the CPU)".to_string() } else { escape(x) })
        .collect();
    reasons.join("<br>")
}

fn refused_table(refused: &[Refusal]) -> String {
    let mut out = String::from("| op | type | reasons |\n|---|---|---|\n");
    for r in refused {
        out += &format!("| {} | {} v{} | {} |\n", r.index, escape(&r.op), r.version, reasons_cell(r));
    }
    out
}

fn summary_table(targets: &[TargetView<'_>]) -> String {
    let mut out = String::from(
        "| target | outcome | delegated | kernels | partitions | CPU work | verdict |\n|---|---|---|---|---|---|---|\n",
    );
    for t in targets {
        out += &format!(
            "| {} | {} | {}/{} | {} | {} | {:.1}% | {} |\n",
            t.title,
            outcome_word(t.outcome),
            t.delegated_nodes,
            t.total_nodes,
            t.delegate_kernels,
            t.partitions,
            t.verdict.cpu_work_share * 100.0,
            escape(&t.verdict.summary)
        );
    }
    out
}

/// "3 ops in 2 kernels", "none".
fn ops_in_kernels(ops: usize, kernels: usize) -> String {
    match ops {
        0 => "none".to_string(),
        _ => format!("{ops} op{} in {kernels} kernel{}", plural(ops), plural(kernels)),
    }
}

/// The plan that really runs, one line per analysis that has it: what the delegate's kernels, the
/// default XNNPACK delegate's and the builtin CPU kernels run. Empty when no analysis has one.
fn combined_table(targets: &[TargetView<'_>]) -> String {
    let with: Vec<_> = targets.iter().filter_map(|t| t.combined.map(|c| (t, c))).collect();
    if with.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n### The plan that really runs (the delegate, then TFLite's default XNNPACK delegate)\n\n| target | accelerator | XNNPACK | builtin CPU | transitions | CPU work | verdict |\n|---|---|---|---|---|---|---|\n",
    );
    for (t, c) in with {
        let v = &c.verdict;
        out += &format!(
            "| {} | {} | {} | {} | {} | {:.1}% | {} |\n",
            t.title,
            ops_in_kernels(v.accelerator_ops, c.plan.accelerator_kernels),
            ops_in_kernels(v.xnnpack_ops, c.plan.xnnpack_kernels),
            v.cpu_ops,
            v.transitions,
            v.cpu_work_share * 100.0,
            escape(&v.summary)
        );
    }
    out
}

/// The combined run order of the primary subgraph: each row's kernel (the delegate's or
/// XNNPACK's, numbered in run order per kind) or "CPU".
fn combined_plan_table(t: &TargetView<'_>, plan: &[CombinedRow]) -> String {
    let mut out = format!("\n### Plan that really runs: {}\n\n| # | runs on | [node type] | [Name] |\n|---|---|---|---|\n", t.title);
    let (mut accelerator, mut xnnpack) = (0, 0);
    for (i, r) in plan.iter().enumerate() {
        let ops = r.row.nodes.as_ref().map_or(1, Vec::len);
        let runs_on = match r.runs_on {
            RunsOn::Accelerator => {
                accelerator += 1;
                format!("accelerator kernel {accelerator} ({ops} op{})", plural(ops))
            }
            RunsOn::Xnnpack => {
                xnnpack += 1;
                format!("XNNPACK kernel {xnnpack} ({ops} op{})", plural(ops))
            }
            RunsOn::Cpu => "CPU".to_string(),
        };
        out += &format!("| {i} | {runs_on} | {} | {} |\n", escape(&r.row.node_type), escape(&r.row.name));
    }
    out
}

/// One target's details: its failure, plan per subgraph, and refused ops.
fn target_details(t: &TargetView<'_>) -> String {
    let mut out = String::new();
    if let Some(f) = t.failure {
        out += &format!("\n{} {}\n", escape(&f.message), escape(&f.reason));
    }
    for s in &t.subgraphs {
        if s.plan.is_empty() {
            continue;
        }
        out += &match s.index {
            0 => format!("\n### Plan: {}\n\n", t.title),
            i => format!("\n#### Subgraph {i}\n\n"),
        };
        out += &plan_table(s.plan);
    }
    let refused: usize = t.subgraphs.iter().map(|s| s.refused.len()).sum();
    if refused > 0 {
        out += &format!("\n### Refused by {} ({refused} op{})\n", t.title, plural(refused));
        for s in t.subgraphs.iter().filter(|s| !s.refused.is_empty()) {
            if t.subgraphs.len() > 1 {
                out += &format!("\nSubgraph {}:\n", s.index);
            }
            out += &format!("\n{}", refused_table(s.refused));
        }
    }
    out
}

/// The refused ops of one target of several, folded so the summary stays readable.
fn folded_refusals(t: &TargetView<'_>) -> String {
    let refused: usize = t.subgraphs.iter().map(|s| s.refused.len()).sum();
    if refused == 0 {
        return String::new();
    }
    let mut out = format!("\n<details><summary>Refused by {} ({refused} op{})</summary>\n", t.title, plural(refused));
    for s in t.subgraphs.iter().filter(|s| !s.refused.is_empty()) {
        if t.subgraphs.len() > 1 {
            out += &format!("\nSubgraph {}:\n", s.index);
        }
        out += &format!("\n{}", refused_table(s.refused));
    }
    out + "\n</details>\n"
}

/// `analyze --format md`: a summary table over the targets analysed, then the plan that really
/// runs for each analysis that has one; with one target, its plan, refused ops and combined run
/// order; with several, each target's refused ops folded.
pub fn analyze_report(r: &Report, name: &str) -> String {
    let targets = TargetView::all(r);
    let m = &r.model;
    let mut out = format!(
        "## Delegate Doctor: {}\n\n{} op{} in {} subgraph{}, {} bytes.",
        escape(name),
        m.operator_count,
        plural(m.operator_count),
        m.subgraph_count,
        plural(m.subgraph_count),
        m.file_size
    );
    if let Some(l) = r.analyses.first() {
        out += &format!(" NNAPI options: {}.", escape(&options_flags(&l.analysis.options)));
    }
    out += &format!("\n\n{}", summary_table(&targets));
    if let Some(c) = &r.comparison {
        out += &format!("\n{}\n", escape(c));
    }
    out += &combined_table(&targets);
    match targets.as_slice() {
        [one] => {
            out += &target_details(one);
            if let Some(c) = one.combined.filter(|c| !c.plan.plan.is_empty()) {
                out += &combined_plan_table(one, &c.plan.plan);
            }
        }
        many => out += &many.iter().map(folded_refusals).collect::<String>(),
    }
    out
}

/// The target of a fix report, as the page's heading names it.
fn fix_target<A: Analyzed>(r: &FixReport<A>) -> String {
    match r.options.delegate {
        Delegate::Nnapi => format!("NNAPI at Android API {}", r.options.target.sdk),
        d => d.name().to_string(),
    }
}

fn not_fixed_line(n: &NotFixed) -> String {
    if n.reasons.is_empty() {
        format!("Nothing to fix: {}", escape(&n.why))
    } else {
        let reasons: Vec<String> = n.reasons.iter().map(|x| escape(x)).collect();
        format!("Not fixed: {} {} ({}): {}", n.op, escape(&n.op_type), reasons.join(" \\| "), escape(&n.why))
    }
}

/// `fix --format md` and the page's "Copy report as Markdown": before and after, the changes, what
/// stays refused and why, and the plan after the fixes.
pub fn fix_report<A: Analyzed>(r: &FixReport<A>, name: &str) -> String {
    let mut lines = vec![
        format!("## Delegate Doctor: {} for {}", escape(name), fix_target(r)),
        String::new(),
        format!("Before: {}", escape(&r.before_verdict.summary)),
        format!("After: {}", escape(&r.after_verdict.summary)),
    ];
    if let Some(p) = r.largest_partition {
        lines.push(format!("Largest partition: {} → {} of {} nodes", p.before, p.after, r.after.total_nodes()));
    }
    lines.push(String::new());
    if r.changes.is_empty() {
        lines.push("No fix applies.".into());
    } else {
        lines.push("| op | fix | change | exactness |".into());
        lines.push("|---|---|---|---|".into());
        for c in &r.changes {
            let detail = if c.detail.is_empty() { String::new() } else { format!(": {}", escape(&c.detail)) };
            lines.push(format!(
                "| {} {} | {} | {} | {}{detail} |",
                c.op,
                escape(&c.op_type),
                c.fix,
                escape(&c.what),
                exactness_word(c.exactness)
            ));
        }
    }
    for n in &r.not_fixed {
        lines.push(String::new());
        lines.push(not_fixed_line(n));
    }
    for line in &r.not_cut {
        lines.push(String::new());
        lines.push(format!("Cannot cut: {}", escape(line)));
    }
    let mut out = lines.join("\n") + "\n";
    if !r.after.plan().is_empty() {
        out += &format!("\n### Plan after the fixes\n\n{}", plan_table(r.after.plan()));
    }
    out
}

fn exactness_word(e: crate::fixes::Exactness) -> &'static str {
    use crate::fixes::Exactness::*;
    match e {
        Exact => "exact",
        NearExact => "near-exact",
        Approximate => "approximate",
        ChangesInterface => "changes-interface",
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_keeps_names_plain_text_on_one_line() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("`x`"), "\\`x\\`");
        assert_eq!(escape("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape("line\nbreak\r\n"), "line break  ");
        assert_eq!(escape("[link](http://x)"), "\\[link\\](http://x)");
        assert_eq!(escape("MobilenetV2/Conv/Relu6;x:0"), "MobilenetV2/Conv/Relu6;x:0");
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }
}
