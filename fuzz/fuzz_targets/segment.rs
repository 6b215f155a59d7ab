#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| delegate_doctor_fuzz::segment(data));
