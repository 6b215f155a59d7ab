//! `delegate-doctor` command line. Exit codes: 0 done, 2 bad input or usage,
//! 3 `--require-full-delegation` and some analysed level is not fully delegated (a zoo scan with
//! unreadable or invalid files exits 2 after reporting every file).

use std::process::ExitCode;

use delegate_doctor::cli;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    match cli::run(args) {
        Ok(out) => {
            use std::io::Write;
            // A closed pipe (e.g. `| head`) is not an error worth a message.
            let _ = std::io::stdout().write_all(out.stdout.as_bytes());
            let _ = std::io::stdout().flush();
            let _ = std::io::stderr().write_all(out.stderr.as_bytes());
            ExitCode::from(out.code)
        }
        Err(e) => {
            eprintln!("delegate-doctor: {e}");
            ExitCode::from(2)
        }
    }
}
