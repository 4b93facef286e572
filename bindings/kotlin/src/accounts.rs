//! Accounts and passwords: who is logged in, creating and deactivating accounts.

use std::collections::BTreeSet;

use citypassport_core as core;
use citypassport_core::Secret;

use crate::convert::{id, id_opt, id_text, instant, instant_opt, LocalDate};
use crate::error::Result;
use crate::session::Session;

/// A role an account holds; one account may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl From<core::Role> for Role {
    fn from(role: core::Role) -> Self {
        match role {
            core::Role::Administrator => Role::Administrator,
            core::Role::Executor => Role::Executor,
            core::Role::Controller => Role::Controller,
            core::Role::Viewer => Role::Viewer,
            core::Role::ChiefOfStaff => Role::ChiefOfStaff,
            core::Role::DepartmentHead => Role::DepartmentHead,
        }
    }
}

impl From<Role> for core::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::Administrator => core::Role::Administrator,
            Role::Executor => core::Role::Executor,
            Role::Controller => core::Role::Controller,
            Role::Viewer => core::Role::Viewer,
            Role::ChiefOfStaff => core::Role::ChiefOfStaff,
            Role::DepartmentHead => core::Role::DepartmentHead,
        }
    }
}

/// The order (number and date) that is the basis of an account or an assignment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppointmentOrder {
    /// The order's number, e.g. `152-к`.
    pub number: String,
    /// The order's date; an assignment is in force from it.
    pub date: LocalDate,
}

impl AppointmentOrder {
    pub(crate) fn into_core(self) -> core::AppointmentOrder {
        core::AppointmentOrder { number: self.number, date: self.date.0 }
    }
}

impl From<core::AppointmentOrder> for AppointmentOrder {
    fn from(order: core::AppointmentOrder) -> Self {
        AppointmentOrder { number: order.number, date: order.date.into() }
    }
}

/// An account as the service shows it; no password or token hashes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountSummary {
    /// The account's id.
    pub id: String,
    /// The login e-mail; shown to administrators only, and gone once deactivated.
    pub email: Option<String>,
    /// The person's full name, kept after deactivation.
    pub full_name: String,
    /// The department the person works in.
    pub department_id: Option<String>,
    /// The roles held.
    pub roles: Vec<Role>,
    /// The order that is the basis of the account.
    pub order: AppointmentOrder,
    /// False once deactivated.
    pub active: bool,
    /// Whether the person has set a password.
    pub has_password: bool,
    /// When the account was created.
    pub created_at: std::time::SystemTime,
    /// When it was deactivated.
    pub deactivated_at: Option<std::time::SystemTime>,
}

impl From<core::AccountSummary> for AccountSummary {
    fn from(a: core::AccountSummary) -> Self {
        AccountSummary {
            id: id_text(&a.id),
            email: a.email,
            full_name: a.full_name,
            department_id: a.department.as_ref().map(id_text),
            roles: a.roles.into_iter().map(Role::from).collect(),
            order: a.order.into(),
            active: a.active,
            has_password: a.has_password,
            created_at: instant(a.created_at),
            deactivated_at: instant_opt(a.deactivated_at),
        }
    }
}

/// What an administrator gives to create an account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAccount {
    /// The login e-mail.
    pub email: String,
    /// The person's full name.
    pub full_name: String,
    /// The roles; at least one.
    pub roles: Vec<Role>,
    /// The order that is the basis of the account.
    pub order: AppointmentOrder,
    /// The department the person works in, if any.
    #[uniffi(default)]
    pub department_id: Option<String>,
}

impl NewAccount {
    fn into_core(self) -> core::NewAccount {
        core::NewAccount {
            email: self.email,
            full_name: self.full_name,
            department: id_opt(self.department_id),
            roles: self.roles.into_iter().map(core::Role::from).collect::<BTreeSet<_>>(),
            order: self.order.into_core(),
        }
    }
}

/// A new account: its id and the one-time token with which the person sets a password.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CreatedAccount {
    /// The new account's id.
    pub account_id: String,
    /// Hand it to the person; it works once. `toString()` hides it.
    pub setup_token: Secret,
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// The account logged in.
    pub fn whoami(&self) -> Result<AccountSummary> {
        self.call(|service, token| async move { service.whoami(&token).await })
            .map(AccountSummary::from)
    }

    /// Every account, active or not. Only administrators see e-mails.
    pub fn accounts(&self) -> Result<Vec<AccountSummary>> {
        let all = self.call(|service, token| async move { service.accounts(&token).await })?;
        Ok(all.into_iter().map(AccountSummary::from).collect())
    }

    /// Creates an account. Administrators only.
    pub fn create_account(&self, account: NewAccount) -> Result<CreatedAccount> {
        let account = account.into_core();
        let (account_id, setup_token) = self
            .call(|service, token| async move { service.create_account(&token, account).await })?;
        Ok(CreatedAccount { account_id: id_text(&account_id), setup_token })
    }

    /// Issues a new setup token for an account (a forgotten password) and ends its
    /// sessions. Administrators only.
    pub fn issue_setup_token(&self, account_id: String) -> Result<Secret> {
        let account = id(&account_id);
        self.call(|service, token| async move { service.issue_setup_token(&token, &account).await })
    }

    /// Deactivates an account on dismissal: its sessions end, its credentials are erased,
    /// its history stays. Administrators only.
    pub fn deactivate_account(&self, account_id: String, reason: String) -> Result<()> {
        let account = id(&account_id);
        self.call(|service, token| async move {
            service.deactivate_account(&token, &account, &reason).await
        })
    }

    /// Changes the caller's password and ends their other sessions.
    pub fn change_password(&self, old_password: String, new_password: String) -> Result<()> {
        self.call(|service, token| async move {
            service.change_password(&token, &old_password, &new_password).await
        })
    }
}
