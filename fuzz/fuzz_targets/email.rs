//! Any text normalizes as an e-mail address or is refused naming the e-mail; a
//! normalized address is trimmed, lower-case, of the shape name@domain, bounded, and
//! normalizes to itself.
#![no_main]

use citypassport_core::account::normalize_email;
use citypassport_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match normalize_email(text) {
        Ok(email) => {
            assert_eq!(email, email.trim());
            assert_eq!(email, email.to_lowercase());
            assert!(email.chars().count() <= 254, "{email:?}");
            assert!(!email.chars().any(|c| c.is_whitespace() || c.is_control()), "{email:?}");
            let (local, domain) = email.split_once('@').expect("an @");
            assert!(!local.is_empty() && domain.contains('.') && !domain.contains('@'));
            // Logins compare normalized addresses, so normalizing must be idempotent.
            assert_eq!(normalize_email(&email).ok().as_deref(), Some(email.as_str()));
        }
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "email");
            // The message never echoes the address (it is personal data), so it stays
            // short whatever the input.
            assert!(reason.chars().count() <= 80, "{reason}");
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
