//! The uniffi binding generator, built from the same uniffi version as the bindings.
//!
//! `bindings/kotlin/build.sh` runs it in library mode on the built cdylib:
//! `cargo run -p citypassport-uniffi-bindgen -- generate <lib> --language kotlin ...`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
