//! Resizes a raw RGB8 image like Pillow's `resize((NEW_W, NEW_H), Image.BILINEAR)`, to check
//! `infer::photo` byte for byte against Pillow (tests/python/test_photo_resize.py):
//! `resize_photo IN.rgb W H NEW_W NEW_H OUT.rgb`.

use delegate_doctor::infer::photo::resize_bilinear_rgb;

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, w, h, nw, nh, output] = args.as_slice() else {
        return Err("usage: resize_photo IN.rgb W H NEW_W NEW_H OUT.rgb".into());
    };
    let num = |s: &String| s.parse::<usize>().map_err(|e| format!("{s:?}: {e}"));
    let (w, h, nw, nh) = (num(w)?, num(h)?, num(nw)?, num(nh)?);
    let src = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let out = resize_bilinear_rgb(&src, w, h, nw, nh)?;
    std::fs::write(output, out).map_err(|e| format!("{output}: {e}"))
}

fn main() {
    if let Err(e) = run() {
        eprintln!("resize_photo: {e}");
        std::process::exit(1);
    }
}
