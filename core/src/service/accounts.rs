//! Accounts, passwords, logins and sessions.

use std::collections::BTreeSet;

use tracing::{info, warn};

use super::catalog::assignment_claim;
use super::Passport;
use crate::account::{
    check_new_password, email_digest, hash_password, normalize_email, verify_password, Account,
    AccountSummary, AppointmentOrder, LoginThrottle, NewAccount, Permission, Role, Secret, Session,
    SessionToken, SetupToken,
};
use crate::catalog::Department;
use crate::error::{Error, Result};
use crate::id::Id;
use crate::records::{Changes, Claim, Record, Versioned};
use crate::storage::RecordKind;
use crate::text;

/// Roles that may not be held together with the administrator's: separation of duties.
const DATA_ROLES: [Role; 3] = [Role::Executor, Role::Controller, Role::ChiefOfStaff];

fn check_roles(roles: &BTreeSet<Role>) -> Result<()> {
    if roles.is_empty() {
        return Err(Error::invalid("roles", "at least one role is required"));
    }
    if roles.contains(&Role::Administrator) {
        if let Some(role) = DATA_ROLES.iter().find(|r| roles.contains(r)) {
            return Err(Error::invalid(
                "roles",
                format!("administrator cannot also be {role}: an administrator never enters or reviews data"),
            ));
        }
    }
    Ok(())
}

/// The state of an account as the audit log keeps it: its summary without the e-mail.
///
/// Controllers and the chief of staff read the log but not e-mails, and the log is
/// kept for good while the e-mail is personal data erased on dismissal; so the field is
/// left out. The account's id names the person in the log.
fn audit_state(account: &Account) -> Result<serde_json::Value> {
    let mut state = serde_json::to_value(account.summary()).map_err(Error::storage)?;
    if let Some(fields) = state.as_object_mut() {
        fields.remove("email");
    }
    Ok(state)
}

fn email_claim(email: &str, holder: &Id) -> Claim {
    Claim { name: format!("email/{}", email_digest(email)), holder: Some(holder.clone()) }
}

impl Passport {
    /// Creates the first administrator of an empty store and returns their setup token.
    /// Refused once any account exists.
    pub async fn bootstrap_administrator(
        &self,
        email: &str,
        full_name: &str,
        order: AppointmentOrder,
    ) -> Result<SetupToken> {
        if !self.scan::<Account>("").await?.is_empty() {
            return Err(Error::denied(
                "the store already has accounts; an administrator creates new ones",
            ));
        }
        let new = NewAccount {
            email: email.to_string(),
            full_name: full_name.to_string(),
            department: None,
            roles: BTreeSet::from([Role::Administrator]),
            order,
        };
        let mut changes = Changes::new();
        // Two bootstraps racing on an empty store: only one may insert this claim.
        changes.insert(&Claim { name: "bootstrap".into(), holder: None })?;
        let (id, token) = self.stage_account(&mut changes, None, new).await?;
        self.apply(changes).await?;
        info!(account = %id, "first administrator created");
        Ok(token)
    }

    async fn stage_account(
        &self,
        changes: &mut Changes,
        actor: Option<&Id>,
        new: NewAccount,
    ) -> Result<(Id, SetupToken)> {
        let email = normalize_email(&new.email)?;
        text::check_line("full name", &new.full_name, text::MAX_NAME)?;
        new.order.validate("order number")?;
        check_roles(&new.roles)?;
        if let Some(department) = &new.department {
            if self.get::<Department>(department.as_str()).await?.is_none() {
                return Err(Error::not_found("department", department.as_str()));
            }
        }
        if !self.find::<Account>("email", &email).await?.is_empty() {
            return Err(Error::AlreadyExists { kind: "account", id: "with this e-mail".into() });
        }

        let token = Secret::generate();
        let account = Account {
            id: Id::generate(),
            email: Some(email.clone()),
            full_name: new.full_name.trim().to_string(),
            department: new.department,
            roles: new.roles,
            order: new.order,
            active: true,
            password_hash: None,
            setup_token_hash: Some(token.digest()),
            setup_token_expires: Some(self.now() + self.settings.setup_token_lifetime),
            created_at: self.now(),
            deactivated_at: None,
        };
        changes.insert(&account)?;
        changes.insert(&email_claim(&email, &account.id))?;
        let entry = self.audit_entry(
            actor,
            "account.create",
            &account,
            None::<&()>,
            Some(&audit_state(&account)?),
        )?;
        changes.audit(entry);
        Ok((account.id, token))
    }

    /// Creates an account and returns its id and the one-time setup token with which
    /// the person sets their own password. Administrators only.
    pub async fn create_account(
        &self,
        token: &SessionToken,
        new: NewAccount,
    ) -> Result<(Id, SetupToken)> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageAccounts)?;
        let mut changes = Changes::new();
        let (id, setup) = self.stage_account(&mut changes, Some(actor.id()), new).await?;
        self.apply(changes).await.map_err(|e| match e {
            Error::Conflict(_) => {
                Error::AlreadyExists { kind: "account", id: "with this e-mail".into() }
            }
            other => other,
        })?;
        info!(account = %id, by = %actor.id(), "account created");
        Ok((id, setup))
    }

    /// Issues a new setup token for an account (a forgotten password) and ends its
    /// sessions. Administrators only.
    pub async fn issue_setup_token(
        &self,
        token: &SessionToken,
        account: &Id,
    ) -> Result<SetupToken> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageAccounts)?;
        let target = self.account(account).await?;
        if !target.record.active {
            return Err(Error::WrongState(format!("account {account} is deactivated")));
        }
        let setup = Secret::generate();
        let mut updated = target.record.clone();
        updated.setup_token_hash = Some(setup.digest());
        updated.setup_token_expires = Some(self.now() + self.settings.setup_token_lifetime);

        let mut changes = Changes::new();
        changes.update(&updated, target.version)?;
        self.stage_revoke_sessions(&mut changes, account).await?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "account.setup_token",
            &updated,
            None::<&()>,
            None::<&()>,
        )?);
        self.apply(changes).await?;
        Ok(setup)
    }

    /// Sets a password with a setup token. The token works once and ends every session
    /// of the account.
    pub async fn set_password(&self, setup: &SetupToken, password: &str) -> Result<()> {
        check_new_password(password)?;
        let invalid = || {
            Error::invalid(
                "setup token",
                "unknown, used or expired; ask the administrator for a new one",
            )
        };
        let mut found = self.find::<Account>("setup_token", &setup.digest()).await?;
        let target = found.pop().ok_or_else(invalid)?;
        let account = &target.record;
        if !account.active || account.setup_token_expires.is_none_or(|t| t <= self.now()) {
            return Err(invalid());
        }

        let mut updated = account.clone();
        updated.password_hash = Some(hash_password(password)?);
        updated.setup_token_hash = None;
        updated.setup_token_expires = None;
        let mut changes = Changes::new();
        changes.update(&updated, target.version)?;
        self.stage_revoke_sessions(&mut changes, &account.id).await?;
        changes.audit(self.audit_entry(
            Some(&account.id),
            "account.set_password",
            &updated,
            None::<&()>,
            None::<&()>,
        )?);
        self.apply(changes).await
    }

    /// Logs in by e-mail (trimmed, any case) and password and returns a session token.
    ///
    /// An unknown e-mail, a wrong password and an inactive account all give
    /// [`Error::LoginFailed`] after the same password-hashing work. Failures are counted
    /// per e-mail whether or not it has an account, and too many lock it for a while
    /// ([`Error::LockedOut`]), so the lock tells nothing either.
    pub async fn login(&self, email: &str, password: &str) -> Result<SessionToken> {
        let email = match normalize_email(email) {
            Ok(email) => email,
            Err(_) => {
                verify_password(password, None);
                return Err(Error::LoginFailed);
            }
        };
        let throttle_key = email_digest(&email);
        let throttle = self.get::<LoginThrottle>(&throttle_key).await?;
        if throttle.as_ref().and_then(|t| t.record.locked_until).is_some_and(|t| t > self.now()) {
            return Err(Error::LockedOut);
        }

        let account =
            self.find::<Account>("email", &email).await?.pop().filter(|a| a.record.active);
        let hash = account.as_ref().and_then(|a| a.record.password_hash.as_deref());
        if !verify_password(password, hash) {
            self.count_failure(throttle_key, throttle).await?;
            return Err(Error::LoginFailed);
        }
        let account = account.expect("a verified password belongs to an account").record;

        let token = Secret::generate();
        let session = Session {
            token_hash: token.digest(),
            account: account.id.clone(),
            created_at: self.now(),
            expires_at: self.now() + self.settings.session_lifetime,
        };
        let mut changes = Changes::new();
        changes.insert(&session)?;
        if let Some(throttle) = &throttle {
            changes.delete(&throttle.record, throttle.version);
        }
        // The audit keys the login by account, never by the token's hash.
        changes.audit(self.audit_entry(
            Some(&account.id),
            "session.open",
            &account,
            None::<&()>,
            None::<&()>,
        )?);
        self.apply(changes).await?;
        Ok(token)
    }

    /// Counts a failed login of the e-mail hashed as `key`, read as `throttle`, locking
    /// it at the limit.
    ///
    /// Guesses sent at the same moment all read the same count; each that loses the
    /// race re-reads the counter and counts again, so that parallel guesses cannot slip
    /// past the lock. Every lost race means another guess was counted, so at most one
    /// round per concurrent guess is needed; the bound only stops a store that keeps
    /// refusing.
    async fn count_failure(
        &self,
        key: String,
        mut throttle: Option<Versioned<LoginThrottle>>,
    ) -> Result<()> {
        const MAX_ROUNDS: usize = 64;
        for _ in 0..MAX_ROUNDS {
            let mut record = throttle.as_ref().map(|t| t.record.clone()).unwrap_or_else(|| {
                LoginThrottle { email_hash: key.clone(), failures: 0, locked_until: None }
            });
            match record.locked_until {
                // A concurrent guess has already locked it; nothing more to count.
                Some(until) if until > self.now() => return Ok(()),
                // The previous lock has run out: count afresh.
                Some(_) => {
                    record.failures = 0;
                    record.locked_until = None;
                }
                None => {}
            }
            record.failures += 1;
            if record.failures >= self.settings.max_failed_logins {
                record.locked_until = Some(self.now() + self.settings.lockout);
                warn!("login locked after repeated failures");
            }
            let mut changes = Changes::new();
            changes.upsert(&record, throttle.as_ref().map(|t| t.version))?;
            match self.apply(changes).await {
                Ok(()) => return Ok(()),
                Err(Error::Conflict(_)) => throttle = self.get::<LoginThrottle>(&key).await?,
                Err(e) => return Err(e),
            }
        }
        warn!(rounds = MAX_ROUNDS, "failed login not counted: the counter kept changing");
        Err(Error::Conflict(RecordKind::LoginThrottle.to_string()))
    }

    /// Ends a session.
    pub async fn logout(&self, token: &SessionToken) -> Result<()> {
        let actor = self.authenticate(token).await?;
        let session = self.get::<Session>(&token.digest()).await?.ok_or(Error::Unauthenticated)?;
        let mut changes = Changes::new();
        changes.delete(&session.record, session.version);
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "session.close",
            &actor.account.record,
            None::<&()>,
            None::<&()>,
        )?);
        self.apply(changes).await
    }

    /// Changes the caller's password and ends every other session of theirs.
    pub async fn change_password(&self, token: &SessionToken, old: &str, new: &str) -> Result<()> {
        let actor = self.authenticate(token).await?;
        check_new_password(new)?;
        if !verify_password(old, actor.account.record.password_hash.as_deref()) {
            return Err(Error::invalid("old password", "does not match"));
        }
        let mut updated = actor.account.record.clone();
        updated.password_hash = Some(hash_password(new)?);
        let mut changes = Changes::new();
        changes.update(&updated, actor.account.version)?;
        let current = token.digest();
        for session in self.find::<Session>("account", actor.id().as_str()).await? {
            if session.record.token_hash != current {
                changes.delete(&session.record, session.version);
            }
        }
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "account.change_password",
            &updated,
            None::<&()>,
            None::<&()>,
        )?);
        self.apply(changes).await
    }

    async fn stage_revoke_sessions(&self, changes: &mut Changes, account: &Id) -> Result<()> {
        for session in self.find::<Session>("account", account.as_str()).await? {
            changes.delete(&session.record, session.version);
        }
        Ok(())
    }

    /// Deactivates an account on dismissal: every session ends at once, the e-mail,
    /// password and setup token are erased, assignments end; the name stays on the
    /// person's history. Administrators only.
    pub async fn deactivate_account(
        &self,
        token: &SessionToken,
        account: &Id,
        reason: &str,
    ) -> Result<()> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageAccounts)?;
        text::check_reason("reason", reason)?;
        if actor.id() == account {
            return Err(Error::denied("an administrator cannot deactivate their own account"));
        }
        let target = self.account(account).await?;
        if !target.record.active {
            return Err(Error::WrongState(format!("account {account} is already deactivated")));
        }

        let before = audit_state(&target.record)?;
        let mut updated = target.record.clone();
        updated.active = false;
        updated.password_hash = None;
        updated.setup_token_hash = None;
        updated.setup_token_expires = None;
        updated.deactivated_at = Some(self.now());
        let old_email = updated.email.take();

        let mut changes = Changes::new();
        changes.update(&updated, target.version)?;
        if let Some(email) = old_email {
            let claim = email_claim(&email, account);
            if let Some(stored) = self.get::<Claim>(&Record::key(&claim)).await? {
                changes.delete(&stored.record, stored.version);
            }
        }
        self.stage_revoke_sessions(&mut changes, account).await?;
        for assignment in self.find::<crate::value::Assignment>("account", account.as_str()).await?
        {
            if assignment.record.ended_at.is_none() {
                let mut ended = assignment.record.clone();
                ended.ended_at = Some(self.now());
                changes.update(&ended, assignment.version)?;
                // Assignments made before claims were kept have none.
                let claim = assignment_claim(account, &ended.indicator, &ended.id);
                if let Some(stored) = self.get::<Claim>(&Record::key(&claim)).await? {
                    changes.delete(&stored.record, stored.version);
                }
            }
        }
        let after = audit_state(&updated)?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "account.deactivate",
            &updated,
            Some(&before),
            Some(&after),
        )?);
        self.apply(changes).await?;
        info!(account = %account, by = %actor.id(), "account deactivated");
        Ok(())
    }

    /// The caller's own account.
    pub async fn whoami(&self, token: &SessionToken) -> Result<AccountSummary> {
        Ok(self.authenticate(token).await?.account.record.summary())
    }

    /// Every account, active or not. Administrators see e-mails; others see names and
    /// roles only.
    pub async fn accounts(&self, token: &SessionToken) -> Result<Vec<AccountSummary>> {
        let actor = self.authenticate(token).await?;
        let full = actor.account.record.can(Permission::ManageAccounts);
        if !full && !actor.account.record.can(Permission::ReadCatalog) {
            return Err(Error::denied("reading accounts"));
        }
        Ok(self
            .scan::<Account>("")
            .await?
            .into_iter()
            .map(|a| {
                let mut summary = a.record.summary();
                if !full {
                    summary.email = None;
                }
                summary
            })
            .collect())
    }

    pub(crate) async fn account(&self, id: &Id) -> Result<Versioned<Account>> {
        self.get::<Account>(id.as_str())
            .await?
            .ok_or_else(|| Error::not_found("account", id.as_str()))
    }
}
