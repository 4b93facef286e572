//! Change proposals and their decisions, the catalog's history, corrections of accepted
//! values, and reading the passport as it stood at any moment.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tracing::info;

use super::{Actor, Passport, PassportRow};
use crate::account::{Permission, SessionToken};
use crate::catalog::{CatalogEntry, Department, Indicator, Section};
use crate::deadline::ValueRef;
use crate::error::{Error, Result};
use crate::governance::{
    replay, CatalogHistory, ChangeProposal, Correction, Decision, IndicatorVersion, ProposedChange,
};
use crate::id::Id;
use crate::period::Period;
use crate::records::{value_key, Changes, Record, Versioned};
use crate::report::CorrectionLine;
use crate::storage::{IndexEntry, RecordKind};
use crate::text;
use crate::value::{Revision, Value, ValueAction, ValueInput, ValueStatus};

impl Record for IndicatorVersion {
    const KIND: RecordKind = RecordKind::IndicatorVersion;
    fn key(&self) -> String {
        format!("{}|{:06}", self.code, self.number)
    }
}

impl Record for ChangeProposal {
    const KIND: RecordKind = RecordKind::ChangeProposal;
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn index(&self) -> Vec<IndexEntry> {
        vec![
            IndexEntry::new("status", self.status.as_str()),
            IndexEntry::new("indicator", self.change.code()),
        ]
    }
}

impl Record for Correction {
    const KIND: RecordKind = RecordKind::Correction;
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn index(&self) -> Vec<IndexEntry> {
        vec![
            IndexEntry::new("status", self.status.as_str()),
            IndexEntry::new("value", value_key(&self.value.indicator, self.value.period)),
        ]
    }
}

impl Passport {
    /// Every version of every indicator.
    pub(crate) async fn history(&self) -> Result<CatalogHistory> {
        let versions = self.scan::<IndicatorVersion>("").await?.into_iter().map(|v| v.record);
        Ok(CatalogHistory::new(versions))
    }

    /// The versions of one indicator.
    pub(crate) async fn history_of(&self, code: &str) -> Result<CatalogHistory> {
        let prefix = format!("{}|", code.trim());
        let versions = self.scan::<IndicatorVersion>(&prefix).await?.into_iter().map(|v| v.record);
        Ok(CatalogHistory::new(versions))
    }

    /// The definition of `code` that applies to `period`, with a clear error when the
    /// indicator does not exist, is retired, or is reported at another periodicity then.
    pub(crate) async fn definition_for(&self, code: &str, period: Period) -> Result<Indicator> {
        let code = code.trim();
        let history = self.history_of(code).await?;
        if history.versions(code).is_empty() {
            return Err(Error::not_found("indicator", code));
        }
        if let Some(definition) = history.definition_for(code, period, None) {
            return Ok(definition.clone());
        }
        let reason = not_in_force(&history, code, period);
        Err(Error::invalid("period", reason))
    }

    /// Sorts indicators by section position, then code.
    pub(crate) async fn in_catalog_order(
        &self,
        mut indicators: Vec<Indicator>,
    ) -> Result<Vec<Indicator>> {
        let positions: BTreeMap<String, u32> = self
            .scan::<Section>("")
            .await?
            .into_iter()
            .map(|s| (s.record.name, s.record.position))
            .collect();
        indicators.sort_by(|a, b| {
            let pa = positions.get(&a.section).copied().unwrap_or(u32::MAX);
            let pb = positions.get(&b.section).copied().unwrap_or(u32::MAX);
            (pa, &a.code).cmp(&(pb, &b.code))
        });
        Ok(indicators)
    }

    /// The catalog in force for `period`, as it was known at `known_at` (as known now
    /// when `None`): every indicator of the period's periodicity with the definition that
    /// applied to it.
    pub async fn catalog_for_period(
        &self,
        token: &SessionToken,
        period: Period,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<Vec<Indicator>> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        let history = self.history().await?;
        self.in_catalog_order(history.catalog_for(period, known_at)).await
    }

    /// Every version of one indicator, oldest first: what changed, from which period,
    /// who proposed it, who approved it and why (see [`Passport::proposals`] for the
    /// proposals themselves).
    pub async fn indicator_history(
        &self,
        token: &SessionToken,
        code: &str,
    ) -> Result<Vec<IndicatorVersion>> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        let history = self.history_of(code).await?;
        let mut versions = history.versions(code.trim()).to_vec();
        if versions.is_empty() {
            return Err(Error::not_found("indicator", code.trim()));
        }
        // Versions stored before they kept the proposer and the decision's reason get
        // them from their proposal, which has both.
        for version in &mut versions {
            let Some(id) = &version.proposal else { continue };
            if version.proposed_by.is_some() {
                continue;
            }
            if let Some(proposal) = self.get::<ChangeProposal>(id.as_str()).await? {
                version.proposed_by = Some(proposal.record.proposed_by);
                version.decision_reason = proposal.record.decision_reason;
            }
        }
        Ok(versions)
    }

    /// The whole catalog, every periodicity, as it was in force at instant `at` and as
    /// it was known then: each indicator with the definition that applied to the period
    /// of its periodicity containing that day (in the city's time zone), counting only
    /// the changes recorded by `at`. An indicator retired for that period is left out;
    /// a change approved later, even with effect from an earlier period, does not show.
    ///
    /// This answers "which list of indicators was in force on 10 April 2026, with which
    /// units and methodologies". For one period's catalog as known at a moment, see
    /// [`catalog_for_period`](Self::catalog_for_period).
    pub async fn catalog_as_of(
        &self,
        token: &SessionToken,
        at: DateTime<Utc>,
    ) -> Result<Vec<Indicator>> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        let day = at.with_timezone(&self.settings.time_zone).date_naive();
        let history = self.history().await?;
        self.in_catalog_order(history.catalog_on(day, Some(at))).await
    }

    /// One change proposal by id, pending or decided: what was proposed, by whom and
    /// why, and the chief of staff's decision with its reason. Anyone who reads the
    /// catalog may see it.
    pub async fn proposal(&self, token: &SessionToken, id: &Id) -> Result<ChangeProposal> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        self.get::<ChangeProposal>(id.as_str())
            .await?
            .map(|p| p.record)
            .ok_or_else(|| Error::not_found("change proposal", id.as_str()))
    }

    /// Proposes a change to the catalog: a department head for their own department's
    /// indicators (or a new one for their department), with a justification and the
    /// first period it should apply to. The chief of staff decides.
    pub async fn propose_change(
        &self,
        token: &SessionToken,
        change: ProposedChange,
        justification: &str,
        effective_from: Period,
    ) -> Result<ChangeProposal> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ProposeChanges)?;
        text::check_reason("justification", justification)?;
        let department = self.check_change(&change, effective_from).await?;
        let own = actor.account.record.department.is_some()
            && department == actor.account.record.department;
        if !own {
            return Err(Error::denied(format!(
                "a department head proposes changes only to their own department's indicators ({})",
                change.code()
            )));
        }
        let proposal = ChangeProposal {
            id: Id::generate(),
            change,
            justification: justification.trim().into(),
            effective_from,
            department,
            proposed_by: actor.id().clone(),
            proposed_at: self.now(),
            status: Decision::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
        };
        let mut changes = Changes::new();
        changes.insert(&proposal)?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "proposal.file",
            &proposal,
            None::<&()>,
            Some(&proposal),
        )?);
        self.apply(changes).await?;
        Ok(proposal)
    }

    /// Checks that a change makes sense now and returns the responsible department.
    ///
    /// Run when a proposal is filed and again when it is approved, since the catalog
    /// may have changed in between. A retirement is final: nothing is changed from its
    /// period on, and an indicator is retired once.
    async fn check_change(
        &self,
        change: &ProposedChange,
        effective_from: Period,
    ) -> Result<Option<Id>> {
        let code = change.code().trim();
        let history = self.history_of(code).await?;
        let exists = !history.versions(code).is_empty();
        let retired_from = history.retired_from(code, None);
        let check_definition = |indicator: &Indicator| -> Result<()> {
            indicator.validate()?;
            if indicator.periodicity != effective_from.periodicity() {
                return Err(Error::invalid(
                    "effective from",
                    format!("{effective_from} is not a {} period", indicator.periodicity),
                ));
            }
            Ok(())
        };
        match change {
            ProposedChange::Add { indicator } => {
                if exists {
                    return Err(Error::AlreadyExists { kind: "indicator", id: code.into() });
                }
                check_definition(indicator)?;
                self.check_department(indicator).await?;
                Ok(indicator.department.clone())
            }
            ProposedChange::Change { indicator } => {
                if !exists {
                    return Err(Error::not_found("indicator", code));
                }
                if let Some(retired) = retired_from {
                    if retired.first_day() <= effective_from.first_day() {
                        return Err(Error::WrongState(format!(
                            "{code} is retired from {retired}; a change from {effective_from} \
                             would bring it back"
                        )));
                    }
                }
                check_definition(indicator)?;
                self.check_department(indicator).await?;
                let before = self.catalog_entry_unchecked(code).await?.record.indicator;
                Ok(before.department.or_else(|| indicator.department.clone()))
            }
            ProposedChange::Retire { .. } => {
                if !exists {
                    return Err(Error::not_found("indicator", code));
                }
                if let Some(retired) = retired_from {
                    return Err(Error::WrongState(format!(
                        "{code} is already retired from {retired}"
                    )));
                }
                // A version starting later would bring the indicator back from its start.
                let later = history
                    .versions(code)
                    .iter()
                    .filter_map(|v| v.effective_from)
                    .find(|p| p.first_day() > effective_from.first_day());
                if let Some(later) = later {
                    return Err(Error::WrongState(format!(
                        "{code} has a change from {later}; retire it from {later} or later"
                    )));
                }
                Ok(self.catalog_entry_unchecked(code).await?.record.indicator.department)
            }
        }
    }

    async fn check_department(&self, indicator: &Indicator) -> Result<()> {
        if let Some(department) = &indicator.department {
            if self.get::<Department>(department.as_str()).await?.is_none() {
                return Err(Error::not_found("department", department.as_str()));
            }
        }
        Ok(())
    }

    /// Approves a pending proposal: the catalog gains a version that applies from the
    /// proposal's period; earlier periods keep their definitions. The responsible
    /// department hears of it through the event feed. The chief of staff may.
    pub async fn approve_proposal(
        &self,
        token: &SessionToken,
        proposal: &Id,
        reason: &str,
    ) -> Result<ChangeProposal> {
        let (actor, current) = self.begin_proposal_decision(token, proposal).await?;
        text::check_reason("reason", reason)?;
        // The catalog may have changed since the proposal was filed: another proposal
        // for the same code approved, the indicator retired.
        let record = &current.record;
        if let Err(stale) = self.check_change(&record.change, record.effective_from).await {
            return Err(Error::WrongState(format!(
                "change proposal {proposal} ({} {} from {}) no longer fits the catalog: \
                 {stale}; reject it, and file a new one if still needed",
                record.change.as_str(),
                record.change.code(),
                record.effective_from
            )));
        }
        let mut decided = current.record.clone();
        decided.status = Decision::Approved;
        decided.decided_by = Some(actor.id().clone());
        decided.decided_at = Some(self.now());
        decided.decision_reason = Some(reason.trim().into());

        let mut changes = Changes::new();
        self.stage_update(&mut changes, &actor, "proposal.approve", &current, &decided)?;
        self.stage_catalog_change(&mut changes, &actor, &decided).await?;
        self.apply(changes).await?;
        info!(proposal = %decided.id, indicator = decided.change.code(), "catalog change approved");
        Ok(decided)
    }

    /// Rejects a pending proposal with a reason; the catalog does not change. The chief
    /// of staff may.
    pub async fn reject_proposal(
        &self,
        token: &SessionToken,
        proposal: &Id,
        reason: &str,
    ) -> Result<ChangeProposal> {
        text::check_reason("reason", reason)?;
        let (actor, current) = self.begin_proposal_decision(token, proposal).await?;
        let mut decided = current.record.clone();
        decided.status = Decision::Rejected;
        decided.decided_by = Some(actor.id().clone());
        decided.decided_at = Some(self.now());
        decided.decision_reason = Some(reason.trim().into());
        let mut changes = Changes::new();
        self.stage_update(&mut changes, &actor, "proposal.reject", &current, &decided)?;
        self.apply(changes).await?;
        Ok(decided)
    }

    async fn begin_proposal_decision(
        &self,
        token: &SessionToken,
        proposal: &Id,
    ) -> Result<(Actor, Versioned<ChangeProposal>)> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::EditCatalog)?;
        let current = self
            .get::<ChangeProposal>(proposal.as_str())
            .await?
            .ok_or_else(|| Error::not_found("change proposal", proposal.as_str()))?;
        if current.record.status != Decision::Pending {
            return Err(Error::WrongState(format!(
                "change proposal {proposal} is already {}",
                current.record.status.as_str()
            )));
        }
        if &current.record.proposed_by == actor.id() {
            return Err(Error::denied("nobody decides on their own proposal"));
        }
        Ok((actor, current))
    }

    /// Changes the catalog directly, without a proposal, recorded the same way (as a
    /// proposal of the chief of staff approved at once). The chief of staff may.
    pub async fn change_catalog(
        &self,
        token: &SessionToken,
        change: ProposedChange,
        reason: &str,
        effective_from: Period,
    ) -> Result<ChangeProposal> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::EditCatalog)?;
        text::check_reason("reason", reason)?;
        let department = self.check_change(&change, effective_from).await?;
        let now = self.now();
        let proposal = ChangeProposal {
            id: Id::generate(),
            change,
            justification: reason.trim().into(),
            effective_from,
            department,
            proposed_by: actor.id().clone(),
            proposed_at: now,
            status: Decision::Approved,
            decided_by: Some(actor.id().clone()),
            decided_at: Some(now),
            decision_reason: Some(reason.trim().into()),
        };
        let mut changes = Changes::new();
        changes.insert(&proposal)?;
        self.stage_catalog_change(&mut changes, &actor, &proposal).await?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "catalog.change",
            &proposal,
            None::<&()>,
            Some(&proposal),
        )?);
        self.apply(changes).await?;
        Ok(proposal)
    }

    /// Adds the new version (and, for an addition, the indicator and its section) to
    /// `changes`.
    async fn stage_catalog_change(
        &self,
        changes: &mut Changes,
        actor: &Actor,
        proposal: &ChangeProposal,
    ) -> Result<()> {
        let code = proposal.change.code().trim().to_string();
        let versions = self.scan::<IndicatorVersion>(&format!("{code}|")).await?;
        let number = versions.iter().map(|v| v.record.number).max().unwrap_or(0) + 1;
        let definition = match &proposal.change {
            ProposedChange::Add { indicator } | ProposedChange::Change { indicator } => {
                let mut indicator = indicator.clone();
                indicator.code = code.clone();
                if matches!(proposal.change, ProposedChange::Add { .. }) {
                    indicator.first_period = Some(proposal.effective_from);
                }
                Some(indicator)
            }
            ProposedChange::Retire { .. } => None,
        };
        let version = IndicatorVersion {
            code: code.clone(),
            number,
            definition: definition.clone(),
            // A new indicator's first version applies from its first period on its own.
            effective_from: match proposal.change {
                ProposedChange::Add { .. } => None,
                _ => Some(proposal.effective_from),
            },
            recorded_at: self.now(),
            recorded_by: actor.id().clone(),
            proposal: Some(proposal.id.clone()),
            reason: proposal.justification.clone(),
            proposed_by: Some(proposal.proposed_by.clone()),
            decision_reason: proposal.decision_reason.clone(),
        };
        changes.insert(&version)?;

        // The indicator record holds the newest definition and any retirement, for
        // current reads and for readers outside the core (the SQL views).
        let current = self.get::<CatalogEntry>(&code).await?;
        match &definition {
            Some(definition) => {
                let newest_first = versions.iter().all(|v| {
                    v.record
                        .effective_from
                        .is_none_or(|p| p.first_day() <= proposal.effective_from.first_day())
                });
                if current.is_none() || newest_first {
                    if self.get::<Section>(&definition.section).await?.is_none() {
                        let position = self.scan::<Section>("").await?.len() as u32 + 1;
                        changes.insert(&Section { name: definition.section.clone(), position })?;
                    }
                    let entry = CatalogEntry {
                        indicator: definition.clone(),
                        retired_from: current.as_ref().and_then(|c| c.record.retired_from),
                    };
                    changes.upsert(&entry, current.map(|c| c.version))?;
                }
            }
            None => {
                // The last definition stays, so that earlier periods read as before.
                let current = current.ok_or_else(|| Error::not_found("indicator", &code))?;
                let entry = CatalogEntry {
                    retired_from: Some(proposal.effective_from),
                    ..current.record.clone()
                };
                changes.update(&entry, current.version)?;
            }
        }
        Ok(())
    }

    /// Change proposals, newest first, optionally only those in one state. Anyone who
    /// reads the catalog may see them.
    pub async fn proposals(
        &self,
        token: &SessionToken,
        status: Option<Decision>,
    ) -> Result<Vec<ChangeProposal>> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        let found = match status {
            Some(status) => self.find::<ChangeProposal>("status", status.as_str()).await?,
            None => self.scan::<ChangeProposal>("").await?,
        };
        let mut proposals: Vec<ChangeProposal> = found.into_iter().map(|p| p.record).collect();
        proposals.sort_by_key(|p| std::cmp::Reverse(p.proposed_at));
        Ok(proposals)
    }

    /// Proposes a new value for an accepted one, with a reason. It takes effect only
    /// when the chief of staff approves it; until then every read shows the accepted
    /// value. Controllers may.
    pub async fn propose_correction(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
        input: ValueInput,
        reason: &str,
    ) -> Result<Correction> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ProposeCorrections)?;
        text::check_reason("reason", reason)?;
        let definition = self.definition_for(code, period).await?;
        let new = self.check_entry(&definition, period, input)?;
        let key = value_key(&definition.code, period);
        let value =
            self.get::<Value>(&key).await?.ok_or_else(|| Error::not_found("value", key.clone()))?;
        if value.record.status != ValueStatus::Accepted {
            return Err(Error::WrongState(format!(
                "value of {} for {period} is {}; only an accepted value is corrected",
                definition.code, value.record.status
            )));
        }
        if value.record.entry == new {
            return Err(Error::invalid("value", "the correction equals the accepted value"));
        }
        let correction = Correction {
            id: Id::generate(),
            value: ValueRef::new(&definition.code, period),
            old: value.record.entry.clone(),
            new,
            reason: reason.trim().into(),
            proposed_by: actor.id().clone(),
            proposed_at: self.now(),
            status: Decision::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
        };
        let mut changes = Changes::new();
        changes.insert(&correction)?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "correction.propose",
            &correction,
            None::<&()>,
            Some(&correction),
        )?);
        self.apply(changes).await?;
        Ok(correction)
    }

    /// Approves a correction: the value takes the new entry, its history keeps the old
    /// one with the reason. Refused if the value changed since the correction was
    /// proposed. The chief of staff may, but not for a correction of their own.
    pub async fn approve_correction(
        &self,
        token: &SessionToken,
        correction: &Id,
        note: Option<&str>,
    ) -> Result<Correction> {
        let (actor, current) = self.begin_correction_decision(token, correction).await?;
        if let Some(note) = note {
            text::check_text("note", note, text::MAX_TEXT)?;
        }
        let record = &current.record;
        let key = value_key(&record.value.indicator, record.value.period);
        let value =
            self.get::<Value>(&key).await?.ok_or_else(|| Error::not_found("value", key.clone()))?;
        if value.record.status != ValueStatus::Accepted || value.record.entry != record.old {
            return Err(Error::WrongState(format!(
                "value of {} changed since the correction was proposed; propose it again",
                record.value
            )));
        }
        let mut decided = record.clone();
        decided.status = Decision::Approved;
        decided.decided_by = Some(actor.id().clone());
        decided.decided_at = Some(self.now());
        decided.decision_reason = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());

        let corrected = Value {
            entry: record.new.clone(),
            updated_at: self.now(),
            revisions: value.record.revisions + 1,
            ..value.record.clone()
        };
        let mut changes = Changes::new();
        self.stage_update(&mut changes, &actor, "correction.approve", &current, &decided)?;
        self.stage_value(
            &mut changes,
            &actor,
            Some(&value),
            &corrected,
            ValueAction::Correct,
            Some(&record.reason),
        )?;
        self.apply(changes).await?;
        info!(correction = %decided.id, value = %decided.value, "correction approved");
        Ok(decided)
    }

    /// Rejects a correction with a reason; it is kept, and the value stays. The chief
    /// of staff may.
    pub async fn reject_correction(
        &self,
        token: &SessionToken,
        correction: &Id,
        reason: &str,
    ) -> Result<Correction> {
        text::check_reason("reason", reason)?;
        let (actor, current) = self.begin_correction_decision(token, correction).await?;
        let mut decided = current.record.clone();
        decided.status = Decision::Rejected;
        decided.decided_by = Some(actor.id().clone());
        decided.decided_at = Some(self.now());
        decided.decision_reason = Some(reason.trim().into());
        let mut changes = Changes::new();
        self.stage_update(&mut changes, &actor, "correction.reject", &current, &decided)?;
        self.apply(changes).await?;
        Ok(decided)
    }

    async fn begin_correction_decision(
        &self,
        token: &SessionToken,
        correction: &Id,
    ) -> Result<(Actor, Versioned<Correction>)> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ApproveCorrections)?;
        let current = self
            .get::<Correction>(correction.as_str())
            .await?
            .ok_or_else(|| Error::not_found("correction", correction.as_str()))?;
        if current.record.status != Decision::Pending {
            return Err(Error::WrongState(format!(
                "correction {correction} is already {}",
                current.record.status.as_str()
            )));
        }
        if &current.record.proposed_by == actor.id() {
            return Err(Error::denied("nobody approves their own correction"));
        }
        Ok((actor, current))
    }

    /// Corrections, newest first, optionally only those in one state, approved and
    /// rejected ones included. Anyone who reads values may see them.
    pub async fn corrections(
        &self,
        token: &SessionToken,
        status: Option<Decision>,
    ) -> Result<Vec<Correction>> {
        self.authenticate(token).await?.require(Permission::ReadValues)?;
        let found = match status {
            Some(status) => self.find::<Correction>("status", status.as_str()).await?,
            None => self.scan::<Correction>("").await?,
        };
        let mut corrections: Vec<Correction> = found.into_iter().map(|c| c.record).collect();
        corrections.sort_by_key(|c| std::cmp::Reverse(c.proposed_at));
        Ok(corrections)
    }

    /// Corrections approved in `[start, end)`, for the quarterly report.
    pub(crate) async fn corrections_approved_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<CorrectionLine>> {
        let mut lines: Vec<CorrectionLine> = self
            .find::<Correction>("status", Decision::Approved.as_str())
            .await?
            .into_iter()
            .map(|c| c.record)
            .filter_map(|c| {
                let approved_at = c.decided_at.filter(|t| *t >= start && *t < end)?;
                Some(CorrectionLine {
                    indicator: c.value.indicator,
                    period: c.value.period,
                    old: c.old.to_string(),
                    new: c.new.to_string(),
                    reason: c.reason,
                    approved_at,
                })
            })
            .collect();
        lines.sort_by_key(|l| l.approved_at);
        Ok(lines)
    }

    /// A value exactly as it stood at instant `at`: rebuilt from its history, so a
    /// correction approved later does not show. `None` if nothing was entered by then.
    pub async fn value_as_of(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
        at: DateTime<Utc>,
    ) -> Result<Option<Value>> {
        self.authenticate(token).await?.require(Permission::ReadValues)?;
        self.replay_value(code.trim(), period, at).await
    }

    async fn replay_value(
        &self,
        code: &str,
        period: Period,
        at: DateTime<Utc>,
    ) -> Result<Option<Value>> {
        let prefix = format!("{}|", value_key(code, period));
        let revisions: Vec<Revision> = self
            .scan::<Revision>(&prefix)
            .await?
            .into_iter()
            .map(|r| r.record)
            .filter(|r| r.at <= at)
            .collect();
        let department =
            self.get::<Value>(&value_key(code, period)).await?.and_then(|v| v.record.department);
        Ok(replay(&revisions, department))
    }

    /// The passport of a period exactly as it stood at instant `at`: the catalog as it
    /// was known then, and each value with the status it had then ("what had the city
    /// reported on 10 April 2026"). Recorded in the audit log as an export.
    pub async fn period_passport_as_of(
        &self,
        token: &SessionToken,
        period: Period,
        at: DateTime<Utc>,
    ) -> Result<Vec<PassportRow>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let history = self.history().await?;
        let indicators = self.in_catalog_order(history.catalog_for(period, Some(at))).await?;
        let mut rows = Vec::with_capacity(indicators.len());
        for indicator in indicators {
            let value = self.replay_value(&indicator.code, period, at).await?;
            rows.push(PassportRow { indicator, period, value });
        }
        self.record_export(
            &actor,
            "export.period_as_of",
            &format!("{period}@{}", at.to_rfc3339()),
            rows.len(),
        )
        .await?;
        Ok(rows)
    }
}

/// Why `code` has no definition for `period`.
pub(crate) fn not_in_force(history: &CatalogHistory, code: &str, period: Period) -> String {
    match history.version_for(code, period, None) {
        None => format!("{code} is not in the catalog for {period}"),
        Some(version) => match &version.definition {
            None => format!(
                "{code} is retired from {}",
                version.effective_from.map_or("the start".into(), |p| p.to_string())
            ),
            Some(definition) => format!(
                "{code} is reported {} for {period}; {period} is not such a period",
                definition.periodicity
            ),
        },
    }
}
