//! Command-line parsing and dispatch, kept in the library so tests can run it without a process.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::prelude::*;

use crate::{inspect, model};

pub const USAGE: &str = "\
usage: delegate-doctor <command> [options]

commands:
  inspect MODEL [--format text|json]     the model summary and its operators
  help                                   this text

exit codes: 0 done, 2 bad input or usage
";

/// What a command printed and its exit code.
pub struct Output {
    pub stdout: String,
    pub code: u8,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Json,
}

fn parse_format(v: OsString) -> Result<Format, String> {
    match v.to_string_lossy().as_ref() {
        "text" => Ok(Format::Text),
        "json" => Ok(Format::Json),
        other => Err(format!("--format must be text or json, not {other:?}")),
    }
}

pub fn run(args: Vec<OsString>) -> Result<Output, String> {
    let mut parser = lexopt::Parser::from_args(args);
    let command = match parser.next().map_err(|e| e.to_string())? {
        Some(Value(v)) => v.to_string_lossy().into_owned(),
        Some(Long("help")) | Some(Short('h')) | None => return Ok(Output { stdout: USAGE.into(), code: 0 }),
        Some(Long("version")) => {
            return Ok(Output { stdout: format!("delegate-doctor {}\n", env!("CARGO_PKG_VERSION")), code: 0 })
        }
        Some(other) => return Err(format!("{}\n{USAGE}", other.unexpected())),
    };
    match command.as_str() {
        "inspect" => cmd_inspect(parser),
        "help" => Ok(Output { stdout: USAGE.into(), code: 0 }),
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}

/// Reads the whole file; models are read from memory (the flatbuffer is verified in place).
pub fn read_file(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn cmd_inspect(mut parser: lexopt::Parser) -> Result<Output, String> {
    let mut path: Option<PathBuf> = None;
    let mut format = Format::Text;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("format") => format = parse_format(parser.value().map_err(|e| e.to_string())?)?,
            Value(v) if path.is_none() => path = Some(v.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let path = path.ok_or("inspect needs a MODEL path")?;
    let bytes = read_file(&path)?;
    let m = model::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let report = inspect::report(&m);
    let stdout = match format {
        Format::Text => inspect::render_text(&report),
        Format::Json => to_json(&report)?,
    };
    Ok(Output { stdout, code: 0 })
}

pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| format!("internal error: {e}"))
}
