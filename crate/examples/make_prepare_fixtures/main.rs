//! Writes the small models that tests/python/test_prepare.py checks against the real interpreter
//! (see fixtures.rs). Run:
//!
//!     cargo run -q --example make_prepare_fixtures -- DIR
//!
//! Each file is `NAME__EXPECT.tflite`, EXPECT being what the model is meant to show: `dyn`
//! (preparing it leaves a dynamic-sized tensor, so applying NNAPI fails) or `static`.

use std::path::Path;

mod fixtures;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: make_prepare_fixtures DIR");
        std::process::exit(2);
    };
    let dir = Path::new(&dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, dynamic, bytes) in fixtures::all() {
        let path = dir.join(format!("{name}__{}.tflite", if dynamic { "dyn" } else { "static" }));
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}
