//! Accounts, roles, permissions, passwords and sessions.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, NaiveDate, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::id::Id;
use crate::text;

/// A role an account holds. One account may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates and deactivates accounts; never enters or reviews values.
    Administrator,
    /// Enters and submits the values of the indicators assigned to them.
    Executor,
    /// Accepts or returns submitted values.
    Controller,
    /// Reads everything, changes nothing.
    Viewer,
    /// Governs the catalog and approves corrections.
    ChiefOfStaff,
    /// Appoints the executors of the department's indicators.
    DepartmentHead,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 6] = [
        Role::Administrator,
        Role::Executor,
        Role::Controller,
        Role::Viewer,
        Role::ChiefOfStaff,
        Role::DepartmentHead,
    ];

    /// The role's name in code and files: `administrator`, `chief_of_staff`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Executor => "executor",
            Role::Controller => "controller",
            Role::Viewer => "viewer",
            Role::ChiefOfStaff => "chief_of_staff",
            Role::DepartmentHead => "department_head",
        }
    }

    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Administrator => {
                &[ReadCatalog, ManageAccounts, ManageDepartments, AssignExecutors, ReadAudit]
            }
            Role::Executor => &[ReadCatalog, ReadValues, EnterValues],
            Role::Controller => {
                &[ReadCatalog, ReadValues, ReviewValues, ProposeCorrections, ReadAudit]
            }
            Role::Viewer => &[ReadCatalog, ReadValues],
            Role::ChiefOfStaff => &[
                ReadCatalog,
                ReadValues,
                EditCatalog,
                ManageDepartments,
                ApproveCorrections,
                ReadAudit,
            ],
            Role::DepartmentHead => &[ReadCatalog, ReadValues, AssignExecutors, ProposeChanges],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| {
            Error::invalid(
                "role",
                format!("'{s}' is not one of {}", Role::ALL.map(Role::as_str).join(", ")),
            )
        })
    }
}

/// What an account may do. Roles are sets of these; the service checks one or more on
/// every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the catalog and the departments.
    ReadCatalog,
    /// Read values, their statuses and history.
    ReadValues,
    /// Create accounts, deactivate them, issue setup tokens.
    ManageAccounts,
    /// Create departments.
    ManageDepartments,
    /// Assign executors to indicators (a department head only for their department).
    AssignExecutors,
    /// Enter and submit values of assigned indicators.
    EnterValues,
    /// Accept or return submitted values.
    ReviewValues,
    /// Change the catalog and decide on change proposals.
    EditCatalog,
    /// Propose catalog changes for the department's indicators.
    ProposeChanges,
    /// Propose corrections of accepted values.
    ProposeCorrections,
    /// Approve or reject corrections.
    ApproveCorrections,
    /// Read the audit log.
    ReadAudit,
}

/// The document that is the basis of an account or an assignment: its number and date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentOrder {
    /// The order's number, e.g. "152-к".
    pub number: String,
    /// The order's date; an assignment is in force from it.
    pub date: NaiveDate,
}

impl AppointmentOrder {
    /// Checks the order's number.
    pub fn validate(&self, field: &str) -> Result<()> {
        text::check_line(field, &self.number, 100)
    }
}

/// A person's login.
///
/// The password hash and setup token hash are never shown outside the core: the
/// service hands out [`AccountSummary`] instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Generated identifier; the only thing about a person that logs show.
    pub id: Id,
    /// The e-mail, trimmed and lowercased; erased on deactivation.
    pub email: Option<String>,
    /// Full name; kept after deactivation so that history stays attributed.
    pub full_name: String,
    /// The department the person works in.
    pub department: Option<Id>,
    /// The roles held.
    pub roles: BTreeSet<Role>,
    /// The order that is the basis of the account.
    pub order: AppointmentOrder,
    /// False once the person is dismissed.
    pub active: bool,
    /// PHC string of the Argon2id hash; none until the person sets a password.
    pub password_hash: Option<String>,
    /// SHA-256 of the one-time setup token, while one is outstanding.
    pub setup_token_hash: Option<String>,
    /// When the outstanding setup token stops working.
    pub setup_token_expires: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account was deactivated.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl Account {
    /// Whether any of the account's roles grants `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.active && self.roles.iter().any(|r| r.permissions().contains(&permission))
    }

    /// Whether the account holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// What may be shown about the account.
    pub fn summary(&self) -> AccountSummary {
        AccountSummary {
            id: self.id.clone(),
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            department: self.department.clone(),
            roles: self.roles.clone(),
            order: self.order.clone(),
            active: self.active,
            has_password: self.password_hash.is_some(),
            created_at: self.created_at,
            deactivated_at: self.deactivated_at,
        }
    }
}

/// An account as the service shows it: no hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// Identifier.
    pub id: Id,
    /// E-mail; none once deactivated.
    pub email: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Department.
    pub department: Option<Id>,
    /// Roles.
    pub roles: BTreeSet<Role>,
    /// Basis order.
    pub order: AppointmentOrder,
    /// False once deactivated.
    pub active: bool,
    /// Whether the person has set a password.
    pub has_password: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Deactivated at.
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// What an administrator gives to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// E-mail used to log in.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Department, if any.
    pub department: Option<Id>,
    /// Roles; at least one.
    pub roles: BTreeSet<Role>,
    /// The order that is the basis of the account.
    pub order: AppointmentOrder,
}

/// The longest e-mail accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// Trims and lowercases an e-mail and checks its shape; the error never repeats the
/// address, which is personal data.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || email.chars().count() > MAX_EMAIL {
        return Err(Error::invalid("email", format!("must be 1..={MAX_EMAIL} characters")));
    }
    let shape_ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }
        None => false,
    };
    if !shape_ok || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("email", "is not an e-mail address (name@domain)"));
    }
    Ok(email)
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// The longest password accepted; a bound keeps hashing cost bounded.
pub const MAX_PASSWORD: usize = 128;

fn argon2() -> Argon2<'static> {
    // OWASP's first recommended Argon2id setting: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<()> {
    let length = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        return Err(Error::invalid(
            "password",
            format!("must be {MIN_PASSWORD}..={MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| Error::storage("password salt"))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| Error::storage("password hashing failed"))
}

/// Verifies a password against a stored hash. With no hash it verifies against a
/// fixed one, so that an unknown e-mail costs the same time as a wrong password.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default());
    let (hash, real) = match hash {
        Some(hash) => (hash, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
    matches && real
}

/// A secret handed to a person: a session token or a setup token. Its `Debug` shows
/// nothing of it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A new random secret of 32 bytes, hex-encoded.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        Secret(hex::encode(bytes))
    }

    /// Wraps a secret received from a person (from a cookie or a form).
    pub fn from_string(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, to hand to the person.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the secret, which is all that is stored.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A session token: proof of a login, passed to every call of the service.
pub type SessionToken = Secret;
/// A one-time token with which a person sets their own password.
pub type SetupToken = Secret;

/// A logged-in session as stored: only the token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 of the token.
    pub token_hash: String,
    /// Whose session.
    pub account: Id,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Failed logins for one e-mail, known or not: kept the same way for both so that the
/// lockout tells nobody which e-mails have accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginThrottle {
    /// SHA-256 of the normalized e-mail.
    pub email_hash: String,
    /// Failures since the last success or lock release.
    pub failures: u32,
    /// Locked until then.
    pub locked_until: Option<DateTime<Utc>>,
}

/// The hash under which login failures of an e-mail are counted.
pub fn email_digest(normalized_email: &str) -> String {
    hex::encode(Sha256::digest(normalized_email.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_case_insensitive() {
        assert_eq!(normalize_email("  Ivanova@Beladm.RU ").unwrap(), "ivanova@beladm.ru");
    }

    #[test]
    fn bad_email_error_names_the_field_but_not_the_address() {
        let err = normalize_email("ivanova.beladm.ru").unwrap_err().to_string();
        assert!(err.contains("email") && !err.contains("ivanova"), "{err}");
    }

    #[test]
    fn password_hash_is_argon2id_and_verifies() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn password_length_is_limited() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password(&"x".repeat(MAX_PASSWORD + 1)).is_err());
        assert!(check_new_password("long enough password").is_ok());
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let secret = Secret::generate();
        assert!(!format!("{secret:?}").contains(secret.expose()));
        assert_eq!(secret.digest().len(), 64);
    }

    #[test]
    fn administrator_cannot_enter_or_review_values() {
        let perms = Role::Administrator.permissions();
        assert!(!perms.contains(&Permission::EnterValues));
        assert!(!perms.contains(&Permission::ReviewValues));
        assert!(!perms.contains(&Permission::ReadValues));
    }
}
