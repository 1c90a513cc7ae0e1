//! The fuzz target: any bytes, read as a request to the codec.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    bindery_fuzz::harness::exercise(input);
});
