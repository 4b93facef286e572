//! The permission matrix: every operation of the [`Passport`](crate::Passport) service
//! against every [`Role`] and scope, each cell allowed or denied.
//!
//! This table is the specification of who may do what. The service does not read it
//! (its checks live next to each operation); instead the end-to-end test
//! `every_cell_of_the_permission_matrix_holds` in `tests/` walks every cell on every
//! backend, calls the operation as an account holding the column's role, and asserts
//! the outcome. `SECURITY.md` shows the table as [`render_markdown`] prints it, and a
//! test fails when the two differ.
//!
//! A cell is *allowed* when the call succeeds and *denied* when it fails with
//! [`Error::PermissionDenied`](crate::Error::PermissionDenied). Calls that need no
//! session (`login`, `set_password`, `bootstrap_administrator`) are listed too: the
//! first two are open to every person with an account, the last to nobody once the
//! store holds an account.
//!
//! ```
//! use citypassport_core::permissions::{access, Access, Operation, Scope};
//! use citypassport_core::Role;
//!
//! assert_eq!(access(Operation::Accept, Scope::OthersRecord, Role::Controller), Some(Access::Allowed));
//! assert_eq!(access(Operation::Accept, Scope::OwnRecord, Role::Controller), Some(Access::Denied));
//! assert!(citypassport_core::permissions::render_markdown().contains("| accept |"));
//! ```

use std::fmt::Write as _;

use crate::account::Role;

/// Whether a role may perform an operation in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// The call succeeds.
    Allowed,
    /// The call fails with a permission error and changes nothing.
    Denied,
}

impl Access {
    /// `allowed` or `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Allowed => "allowed",
            Access::Denied => "denied",
        }
    }
}

/// How the record an operation touches relates to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The operation has no scope: the role alone decides.
    Any,
    /// The indicator belongs to the caller's own department.
    OwnDepartment,
    /// The indicator belongs to another department.
    OtherDepartment,
    /// The indicator is assigned to the caller. Only executors hold assignments, so for
    /// every other role this is the same as [`Scope::NotAssigned`].
    Assigned,
    /// The indicator is assigned to somebody else.
    NotAssigned,
    /// The record was made by the caller: a value they submitted, a delay notice they
    /// filed, a change proposal or a correction they proposed, their own account. To
    /// make it, the caller holds the column's role plus the role that makes such records
    /// (executor, department head or controller); where even that account cannot make
    /// it (an administrator never enters values), the cell is denied.
    OwnRecord,
    /// The record was made by somebody else.
    OthersRecord,
}

impl Scope {
    /// The scope as the table prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Any => "any",
            Scope::OwnDepartment => "own department",
            Scope::OtherDepartment => "other department",
            Scope::Assigned => "assigned",
            Scope::NotAssigned => "not assigned",
            Scope::OwnRecord => "own record",
            Scope::OthersRecord => "another's record",
        }
    }
}

macro_rules! operations {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// An operation of the [`Passport`](crate::Passport) service, named after its
        /// method.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Operation {
            $(
                #[doc = $doc]
                $variant,
            )*
        }

        impl Operation {
            /// Every operation, in the order of the table.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            /// The name of the service method.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }
        }
    };
}

operations! {
    BootstrapAdministrator => "bootstrap_administrator", "Create the first administrator of an empty store.";
    Login => "login", "Log in with e-mail and password.";
    SetPassword => "set_password", "Set one's password with a setup token.";
    ChangePassword => "change_password", "Change one's own password.";
    Logout => "logout", "End one's own session.";
    Whoami => "whoami", "Read one's own account.";
    Accounts => "accounts", "List accounts (e-mails for administrators only).";
    CreateAccount => "create_account", "Create an account.";
    IssueSetupToken => "issue_setup_token", "Issue a setup token for a forgotten password.";
    DeactivateAccount => "deactivate_account", "Deactivate an account on dismissal.";
    CreateDepartment => "create_department", "Create a department.";
    Departments => "departments", "List departments.";
    DepartmentByName => "department_by_name", "Find a department by name.";
    DefineIndicator => "define_indicator", "Add an indicator to the catalog directly.";
    LoadCatalogCsv => "load_catalog_csv", "Load a catalog CSV file.";
    Catalog => "catalog", "Read the catalog.";
    Sections => "sections", "Read the catalog's sections.";
    Indicator => "indicator", "Read one indicator.";
    AssignExecutor => "assign_executor", "Assign an executor to an indicator.";
    AssignmentsOfIndicator => "assignments_of_indicator", "Read an indicator's assignments.";
    AssignmentsOfAccount => "assignments_of_account", "Read an account's assignments.";
    WorkingCalendar => "working_calendar", "Read the working-day calendar.";
    LoadCalendarCsv => "load_calendar_csv", "Load a calendar CSV file.";
    LoadCalendarXml => "load_calendar_xml", "Load a calendar XML file.";
    AddRegionalHoliday => "add_regional_holiday", "Add a regional holiday.";
    DueDate => "due_date", "Read the due date of a value.";
    SetDueDate => "set_due_date", "Set the due date of one value.";
    Timeliness => "timeliness", "Read the values due in a range of dates.";
    Reminders => "reminders", "Read reminders of due and overdue values.";
    FileDelayNotice => "file_delay_notice", "File a delay notice.";
    GrantDelayNotice => "grant_delay_notice", "Grant a delay notice.";
    DeclineDelayNotice => "decline_delay_notice", "Decline a delay notice.";
    DelayNotices => "delay_notices", "List delay notices.";
    SweepDeadlines => "sweep_deadlines", "Announce deadlines that passed.";
    Events => "events", "Read the event feed.";
    SaveDraft => "save_draft", "Enter or change a value as a draft.";
    Submit => "submit", "Submit a value for review.";
    ImportValues => "import_values", "Enter many values at once.";
    Accept => "accept", "Accept a submitted value.";
    ReturnValue => "return_value", "Return a submitted value for revision.";
    ValuesToReview => "values_to_review", "List the values waiting for review.";
    Value => "value", "Read one value.";
    ValueHistory => "value_history", "Read a value's revisions.";
    PeriodPassport => "period_passport", "Read the passport of a period.";
    IndicatorSeries => "indicator_series", "Read an indicator's values over periods.";
    ExportValues => "export_values", "Export every value, page by page.";
    ValuesWithStatus => "values_with_status", "List the values in a status.";
    QuarterlyReport => "quarterly_report", "Read the quarterly report.";
    CatalogForPeriod => "catalog_for_period", "Read the catalog in force for a period.";
    IndicatorHistory => "indicator_history", "Read an indicator's versions.";
    ProposeChange => "propose_change", "Propose a catalog change.";
    ApproveProposal => "approve_proposal", "Approve a change proposal.";
    RejectProposal => "reject_proposal", "Reject a change proposal.";
    ChangeCatalog => "change_catalog", "Change the catalog without a proposal.";
    Proposals => "proposals", "List change proposals.";
    ProposeCorrection => "propose_correction", "Propose a correction of an accepted value.";
    ApproveCorrection => "approve_correction", "Approve a correction.";
    RejectCorrection => "reject_correction", "Reject a correction.";
    Corrections => "corrections", "List corrections.";
    ValueAsOf => "value_as_of", "Read a value as it stood at a moment.";
    PeriodPassportAsOf => "period_passport_as_of", "Read a period's passport as it stood at a moment.";
    AuditLog => "audit_log", "Read the audit log.";
    VerifyAuditLog => "verify_audit_log", "Verify the audit log's hash chain.";
}

/// One row of the matrix: an operation in a scope, and the access of each role in the
/// order of [`Role::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The operation.
    pub operation: Operation,
    /// The scope.
    pub scope: Scope,
    /// The access of each role, in the order of [`Role::ALL`]: administrator, executor,
    /// controller, viewer, chief of staff, department head.
    pub access: [Access; 6],
}

impl Rule {
    /// The access of `role` in this row.
    pub fn access_of(&self, role: Role) -> Access {
        let column = Role::ALL.iter().position(|r| *r == role).expect("every role has a column");
        self.access[column]
    }
}

const Y: Access = Access::Allowed;
const N: Access = Access::Denied;

macro_rules! rules {
    ($($operation:ident, $scope:ident: [$($cell:ident),*];)*) => {
        &[$(Rule { operation: Operation::$operation, scope: Scope::$scope, access: [$($cell),*] },)*]
    };
}

/// The matrix. Columns: administrator, executor, controller, viewer, chief of staff,
/// department head.
#[rustfmt::skip]
pub const MATRIX: &[Rule] = rules! {
    //                                  adm exe con vie cos hea
    BootstrapAdministrator, Any:       [N,  N,  N,  N,  N,  N];
    Login, Any:                        [Y,  Y,  Y,  Y,  Y,  Y];
    SetPassword, Any:                  [Y,  Y,  Y,  Y,  Y,  Y];
    ChangePassword, Any:               [Y,  Y,  Y,  Y,  Y,  Y];
    Logout, Any:                       [Y,  Y,  Y,  Y,  Y,  Y];
    Whoami, Any:                       [Y,  Y,  Y,  Y,  Y,  Y];
    Accounts, Any:                     [Y,  Y,  Y,  Y,  Y,  Y];
    CreateAccount, Any:                [Y,  N,  N,  N,  N,  N];
    IssueSetupToken, Any:              [Y,  N,  N,  N,  N,  N];
    DeactivateAccount, OthersRecord:   [Y,  N,  N,  N,  N,  N];
    DeactivateAccount, OwnRecord:      [N,  N,  N,  N,  N,  N];
    CreateDepartment, Any:             [Y,  N,  N,  N,  Y,  N];
    Departments, Any:                  [Y,  Y,  Y,  Y,  Y,  Y];
    DepartmentByName, Any:             [Y,  Y,  Y,  Y,  Y,  Y];
    DefineIndicator, Any:              [N,  N,  N,  N,  Y,  N];
    LoadCatalogCsv, Any:               [N,  N,  N,  N,  Y,  N];
    Catalog, Any:                      [Y,  Y,  Y,  Y,  Y,  Y];
    Sections, Any:                     [Y,  Y,  Y,  Y,  Y,  Y];
    Indicator, Any:                    [Y,  Y,  Y,  Y,  Y,  Y];
    AssignExecutor, OwnDepartment:     [Y,  N,  N,  N,  N,  Y];
    AssignExecutor, OtherDepartment:   [Y,  N,  N,  N,  N,  N];
    AssignmentsOfIndicator, Any:       [Y,  Y,  Y,  Y,  Y,  Y];
    AssignmentsOfAccount, Any:         [Y,  Y,  Y,  Y,  Y,  Y];
    WorkingCalendar, Any:              [Y,  Y,  Y,  Y,  Y,  Y];
    LoadCalendarCsv, Any:              [Y,  N,  N,  N,  N,  N];
    LoadCalendarXml, Any:              [Y,  N,  N,  N,  N,  N];
    AddRegionalHoliday, Any:           [Y,  N,  N,  N,  N,  N];
    DueDate, Any:                      [Y,  Y,  Y,  Y,  Y,  Y];
    SetDueDate, Any:                   [N,  N,  N,  N,  Y,  N];
    Timeliness, Any:                   [N,  Y,  Y,  Y,  Y,  Y];
    Reminders, Any:                    [N,  Y,  Y,  Y,  Y,  Y];
    FileDelayNotice, Assigned:         [N,  Y,  N,  N,  N,  N];
    FileDelayNotice, NotAssigned:      [N,  N,  N,  N,  N,  N];
    GrantDelayNotice, OthersRecord:    [N,  N,  Y,  N,  N,  N];
    GrantDelayNotice, OwnRecord:       [N,  N,  N,  N,  N,  N];
    DeclineDelayNotice, OthersRecord:  [N,  N,  Y,  N,  N,  N];
    DeclineDelayNotice, OwnRecord:     [N,  N,  N,  N,  N,  N];
    DelayNotices, Any:                 [N,  Y,  Y,  Y,  Y,  Y];
    SweepDeadlines, Any:               [Y,  N,  Y,  N,  N,  N];
    Events, Any:                       [N,  Y,  Y,  Y,  Y,  Y];
    SaveDraft, Assigned:               [N,  Y,  N,  N,  N,  N];
    SaveDraft, NotAssigned:            [N,  N,  N,  N,  N,  N];
    Submit, Assigned:                  [N,  Y,  N,  N,  N,  N];
    Submit, NotAssigned:               [N,  N,  N,  N,  N,  N];
    ImportValues, Assigned:            [N,  Y,  N,  N,  N,  N];
    ImportValues, NotAssigned:         [N,  N,  N,  N,  N,  N];
    Accept, OthersRecord:              [N,  N,  Y,  N,  N,  N];
    Accept, OwnRecord:                 [N,  N,  N,  N,  N,  N];
    ReturnValue, OthersRecord:         [N,  N,  Y,  N,  N,  N];
    ReturnValue, OwnRecord:            [N,  N,  N,  N,  N,  N];
    ValuesToReview, Any:               [N,  N,  Y,  N,  N,  N];
    Value, Any:                        [N,  Y,  Y,  Y,  Y,  Y];
    ValueHistory, Any:                 [N,  Y,  Y,  Y,  Y,  Y];
    PeriodPassport, Any:               [N,  Y,  Y,  Y,  Y,  Y];
    IndicatorSeries, Any:              [N,  Y,  Y,  Y,  Y,  Y];
    ExportValues, Any:                 [N,  Y,  Y,  Y,  Y,  Y];
    ValuesWithStatus, Any:             [N,  Y,  Y,  Y,  Y,  Y];
    QuarterlyReport, Any:              [N,  Y,  Y,  Y,  Y,  Y];
    CatalogForPeriod, Any:             [Y,  Y,  Y,  Y,  Y,  Y];
    IndicatorHistory, Any:             [Y,  Y,  Y,  Y,  Y,  Y];
    ProposeChange, OwnDepartment:      [N,  N,  N,  N,  N,  Y];
    ProposeChange, OtherDepartment:    [N,  N,  N,  N,  N,  N];
    ApproveProposal, OthersRecord:     [N,  N,  N,  N,  Y,  N];
    ApproveProposal, OwnRecord:        [N,  N,  N,  N,  N,  N];
    RejectProposal, OthersRecord:      [N,  N,  N,  N,  Y,  N];
    RejectProposal, OwnRecord:         [N,  N,  N,  N,  N,  N];
    ChangeCatalog, Any:                [N,  N,  N,  N,  Y,  N];
    Proposals, Any:                    [Y,  Y,  Y,  Y,  Y,  Y];
    ProposeCorrection, Any:            [N,  N,  Y,  N,  N,  N];
    ApproveCorrection, OthersRecord:   [N,  N,  N,  N,  Y,  N];
    ApproveCorrection, OwnRecord:      [N,  N,  N,  N,  N,  N];
    RejectCorrection, OthersRecord:    [N,  N,  N,  N,  Y,  N];
    RejectCorrection, OwnRecord:       [N,  N,  N,  N,  N,  N];
    Corrections, Any:                  [N,  Y,  Y,  Y,  Y,  Y];
    ValueAsOf, Any:                    [N,  Y,  Y,  Y,  Y,  Y];
    PeriodPassportAsOf, Any:           [N,  Y,  Y,  Y,  Y,  Y];
    AuditLog, Any:                     [Y,  N,  Y,  N,  Y,  N];
    VerifyAuditLog, Any:               [Y,  N,  Y,  N,  Y,  N];
};

/// The access of `role` to `operation` in `scope`, or `None` when the matrix has no
/// such row (the operation has other scopes).
pub fn access(operation: Operation, scope: Scope, role: Role) -> Option<Access> {
    MATRIX
        .iter()
        .find(|rule| rule.operation == operation && rule.scope == scope)
        .map(|rule| rule.access_of(role))
}

/// The number of cells: rows times roles.
pub fn cell_count() -> usize {
    MATRIX.len() * Role::ALL.len()
}

/// The matrix as a Markdown table, as `SECURITY.md` shows it.
pub fn render_markdown() -> String {
    let mut out = String::from("| operation | scope |");
    for role in Role::ALL {
        let _ = write!(out, " {} |", role.as_str());
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for rule in MATRIX {
        let _ = write!(out, "| {} | {} |", rule.operation.as_str(), rule.scope.as_str());
        for cell in rule.access {
            out.push_str(match cell {
                Access::Allowed => " yes |",
                Access::Denied => " no |",
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_operation_has_a_row_and_no_row_repeats() {
        let mut seen = HashSet::new();
        for rule in MATRIX {
            assert!(seen.insert((rule.operation, rule.scope)), "{rule:?} repeats");
        }
        for operation in Operation::ALL {
            assert!(MATRIX.iter().any(|r| r.operation == *operation), "{operation:?} has no row");
        }
    }

    #[test]
    fn administrator_never_enters_reviews_or_reads_values() {
        for rule in MATRIX {
            let data = matches!(
                rule.operation,
                Operation::SaveDraft
                    | Operation::Submit
                    | Operation::ImportValues
                    | Operation::Accept
                    | Operation::ReturnValue
                    | Operation::Value
            );
            if data {
                assert_eq!(rule.access_of(Role::Administrator), Access::Denied, "{rule:?}");
            }
        }
    }

    #[test]
    fn nobody_acts_on_their_own_submission_proposal_notice_or_correction() {
        for rule in MATRIX.iter().filter(|r| r.scope == Scope::OwnRecord) {
            assert!(rule.access.iter().all(|a| *a == Access::Denied), "{rule:?}");
        }
    }
}
