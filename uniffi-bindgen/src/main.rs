//! `uniffi-bindgen`: generates the Kotlin, Swift, Python and Ruby bindings of
//! `pusher-lite-ffi` from its compiled library. Built once, in debug, and
//! shared by maturin (which looks for a binary of this name in the workspace)
//! and `cargo xtask test`, so the generator always matches the library's uniffi.

fn main() {
    uniffi::uniffi_bindgen_main()
}
