//! The module's stack holds its two 64 KiB lookup tables: a 192 KiB stack
//! instead of the default 1 MiB keeps its initial memory small; the caller
//! grows memory for the data it unpacks.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=196608");
    }
}
