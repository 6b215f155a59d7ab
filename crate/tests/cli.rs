//! The CLI's file input: a regular file is mapped, anything else (a pipe, a FIFO, an empty file) is
//! read, and both give the same result; `fix -o` may name the input itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use delegate_doctor::builder::{const_i32, tensor, ModelBuilder};
use delegate_doctor::cli::{read_file, FileBytes};
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;

/// float [1,4,4,3] → RELU → ARG_MAX (int64 output): at API 30 the argmax-int32 fix applies.
fn argmax_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("input", T::FLOAT32, &[1, 4, 4, 3]));
    let r = b.add(tensor("relu", T::FLOAT32, &[1, 4, 4, 3]));
    b.op(Op::RELU, &[x], &[r]);
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let y = b.add(tensor("classes", T::INT64, &[1, 4, 4]));
    b.op(Op::ARG_MAX, &[r, axis], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
    b.output(y);
    b.finish()
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dd-cli-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cli(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_delegate-doctor"));
    cmd.args(args).env_remove("DD_READ").stdin(Stdio::null());
    cmd
}

/// Runs the CLI with `bytes` written to its piped stdin by another thread.
fn cli_with_stdin(args: &[&str], bytes: Vec<u8>) -> Output {
    let mut child = cli(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("piped stdin");
    // The CLI may stop reading early (an error), so a broken pipe here is not a failure.
    let writer = std::thread::spawn(move || drop(stdin.write_all(&bytes)));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer thread");
    out
}

/// `args` with MODEL replaced by `model`.
fn with<'a>(args: &[&'a str], model: &'a str) -> Vec<&'a str> {
    args.iter().map(|a| if *a == "MODEL" { model } else { a }).collect()
}

/// Runs the CLI on a FIFO that another thread fills with `bytes`.
fn cli_with_fifo(dir: &TempDir, args: &[&str], bytes: Vec<u8>) -> Output {
    let fifo = dir.0.join("model.fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().expect("utf-8 path")).expect("no NUL");
    // SAFETY: mkfifo reads the NUL-terminated path and nothing else.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo: {}", std::io::Error::last_os_error());
    let writer = {
        let fifo = fifo.clone();
        // Opening a FIFO for writing waits for its reader, the CLI.
        std::thread::spawn(move || drop(std::fs::OpenOptions::new().write(true).open(fifo).map(|mut f| f.write_all(&bytes))))
    };
    let out = cli(&with(args, fifo.to_str().expect("utf-8 path"))).output().expect("run delegate-doctor");
    writer.join().expect("writer thread");
    std::fs::remove_file(&fifo).expect("remove fifo");
    out
}

fn stdout_of(out: &Output, what: &str) -> String {
    assert_eq!(out.status.code(), Some(0), "{what}: stderr {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

#[test]
fn a_regular_file_is_mapped_and_an_empty_one_is_read() {
    let dir = TempDir::new("variants");
    let model = argmax_model();
    let mapped = read_file(&dir.file("model.tflite", &model)).expect("readable");
    assert!(matches!(mapped, FileBytes::Mapped(_)), "a non-empty regular file is mapped");
    assert_eq!(&*mapped, &model[..]);
    let empty = read_file(&dir.file("empty.tflite", &[])).expect("readable");
    assert!(matches!(&empty, FileBytes::Read(b) if b.is_empty()), "an empty file is read, not mapped");
    let missing = read_file(&dir.0.join("missing.tflite")).err().expect("a missing file is an error");
    assert!(missing.starts_with("cannot read ") && missing.contains("missing.tflite"), "{missing}");
    let directory = read_file(&dir.0).err().expect("a directory is an error");
    assert!(directory.starts_with("cannot read ") && directory.contains("Is a directory"), "{directory}");
}

#[test]
fn a_model_gives_the_same_output_from_a_path_a_pipe_a_fifo_and_a_plain_read() {
    let dir = TempDir::new("sources");
    let model = argmax_model();
    let path = dir.file("model.tflite", &model);
    let path = path.to_str().expect("utf-8 path");
    for args in [vec!["analyze", "MODEL", "--format", "json"], vec!["inspect", "MODEL"], vec!["analyze", "MODEL", "--sdk", "30"]] {
        let from_path = stdout_of(&cli(&with(&args, path)).output().expect("run"), "path");
        assert!(from_path.contains("ARG_MAX"), "{args:?}: {from_path}");
        let plain = stdout_of(&cli(&with(&args, path)).env("DD_READ", "plain").output().expect("run"), "DD_READ=plain");
        assert_eq!(plain, from_path, "{args:?}: DD_READ=plain differs from the mapped read");
        let from_pipe = stdout_of(&cli_with_stdin(&with(&args, "/dev/stdin"), model.clone()), "stdin pipe");
        assert_eq!(from_pipe, from_path, "{args:?}: /dev/stdin (a pipe) differs from the path");
        let from_fifo = stdout_of(&cli_with_fifo(&dir, &args, model.clone()), "fifo");
        assert_eq!(from_fifo, from_path, "{args:?}: a FIFO differs from the path");
    }
}

#[test]
fn empty_and_truncated_input_give_the_same_errors_from_a_path_and_a_pipe() {
    let dir = TempDir::new("errors");
    let model = argmax_model();
    for (name, bytes) in [("empty.tflite", Vec::new()), ("half.tflite", model[..model.len() / 2].to_vec())] {
        let path = dir.file(name, &bytes);
        let path = path.to_str().expect("utf-8 path");
        let from_path = cli(&["analyze", path]).output().expect("run");
        let from_pipe = cli_with_stdin(&["analyze", "/dev/stdin"], bytes);
        assert_eq!(from_path.status.code(), Some(2), "{name}");
        assert_eq!(from_pipe.status.code(), Some(2), "{name} on stdin");
        let path_err = String::from_utf8_lossy(&from_path.stderr).replace(path, "MODEL");
        let pipe_err = String::from_utf8_lossy(&from_pipe.stderr).replace("/dev/stdin", "MODEL");
        assert!(path_err.starts_with("delegate-doctor: MODEL: "), "{path_err}");
        assert_eq!(pipe_err, path_err, "{name}: the error differs between the path and the pipe");
    }
}

fn fix(input: &Path, out: &Path) -> Output {
    let (input, out) = (input.to_str().expect("utf-8 path"), out.to_str().expect("utf-8 path"));
    cli(&["fix", input, "-o", out, "--sdk", "30", "--format", "json"]).output().expect("run delegate-doctor")
}

#[test]
fn fix_can_write_its_output_over_its_input() {
    let dir = TempDir::new("fix-in-place");
    let model = argmax_model();
    let elsewhere = dir.0.join("fixed.tflite");
    let report = stdout_of(&fix(&dir.file("original.tflite", &model), &elsewhere), "fix to another path");
    let expected = std::fs::read(&elsewhere).expect("fixed model written");
    assert_ne!(expected, model, "the fix changes the model (else this test shows nothing)");

    let in_place = dir.file("model.tflite", &model);
    let same_report = stdout_of(&fix(&in_place, &in_place), "fix -o the input itself");
    assert_eq!(same_report, report, "the report of an in-place fix is the report of the same fix elsewhere");
    assert_eq!(std::fs::read(&in_place).expect("rewritten model"), expected, "the input is replaced by the fixed model");

    // Fixing the fixed model again (in place) finds nothing more to do and keeps it as it is.
    let again = stdout_of(&fix(&in_place, &in_place), "second in-place fix");
    assert!(again.contains("\"changes\": []"), "{again}");
    assert_eq!(std::fs::read(&in_place).expect("model"), expected);
}
