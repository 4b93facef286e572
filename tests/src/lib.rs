//! End-to-end scenarios of the passport, written once and run against every backend.
//!
//! Each scenario is an `async fn(Arc<dyn Storage>)` named after the rule it checks.
//! A backend's test file calls [`scenarios!`] with a function that makes a fresh store.
//!
//! The project's README is compiled here too, so that its API tour cannot rot.

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod city;
pub mod deadlines;
pub mod delayed;
pub mod governance;
pub mod hardening;
pub mod permissions;
pub mod scenarios;

pub use city::City;

/// Writes one `#[tokio::test]` per scenario for a backend, given a path to an
/// `async fn() -> citypassport_core::conformance::TestStore`.
#[macro_export]
macro_rules! scenarios {
    ($fresh:path) => {
        $crate::__scenario_tests!(
            $fresh;
            no_anonymous_access,
            returned_value_can_be_resubmitted,
            nobody_accepts_their_own_submission,
            deactivated_account_session_stops_working_at_once,
            stale_write_is_a_conflict_never_a_silent_overwrite,
            executor_enters_only_assigned_indicators,
            assignment_is_in_force_from_the_order_date,
            administrator_cannot_enter_or_review_values,
            unknown_email_and_wrong_password_give_the_same_error,
            repeated_failures_lock_the_login_for_a_while,
            session_expires,
            setup_token_works_once,
            password_change_revokes_other_sessions,
            comma_decimal_is_accepted_and_other_text_refused,
            value_that_does_not_fit_the_kind_is_refused,
            not_applicable_is_a_state_of_its_own,
            every_change_keeps_a_revision,
            hard_plausibility_rule_refuses_the_value,
            soft_plausibility_rule_flags_the_value,
            viewer_reads_every_value_with_its_status_and_changes_nothing,
            every_state_change_is_audited_in_the_same_write,
            bulk_reads_are_recorded_in_the_audit_log,
            department_head_assigns_only_in_own_department,
            shipped_catalog_loads_and_loading_twice_changes_nothing,
            wrong_period_for_the_indicator_is_refused,
            concurrent_reviews_and_resubmissions_lose_no_update,
            bulk_entry_stores_good_rows_and_reports_each_bad_one,
            dry_run_checks_every_row_and_stores_nothing,
            export_pages_through_every_value_once,
            audit_chain_of_a_full_workflow_verifies,
        );
        $crate::__scenario_tests!(
            $fresh;
            deadlines::quarterly_report_counts_every_value_and_violation,
            deadlines::granted_delay_notice_gives_each_value_a_new_due_date,
            deadlines::declined_delay_notice_leaves_the_due_date,
            deadlines::delay_notice_covers_only_own_unsubmitted_values,
            deadlines::reminders_list_due_soon_and_overdue_for_whom_they_concern,
            deadlines::event_feed_from_a_cursor_misses_nothing_and_repeats_nothing,
            deadlines::due_date_set_for_one_value_overrides_the_rule,
            deadlines::calendar_year_loaded_by_administrator_moves_due_dates,
            deadlines::regional_holiday_moves_due_dates_in_the_region,
            deadlines::reminders_leave_out_values_submitted_within_an_extension,
            deadlines::sweep_announces_an_extended_deadline_when_the_extension_ends,
            deadlines::due_date_set_far_after_the_rule_keeps_the_value_in_view,
            deadlines::past_values_are_charged_to_the_executor_assigned_at_their_due_date,
            deadlines::not_applicable_submitted_after_the_due_date_is_late,
            deadlines::zero_event_limit_and_extension_into_the_past_are_refused,
            deadlines::reminders_at_any_moment_grouped_by_executor_and_department,
            deadlines::report_of_a_year_without_calendar_data_says_so,
            deadlines::timeliness_of_given_values_uses_the_due_date_in_force_for_each,
        );
        $crate::__scenario_tests!(
            $fresh;
            governance::approved_proposal_leaves_earlier_periods_unchanged,
            governance::unit_change_shows_each_value_in_its_own_unit,
            governance::rejected_proposal_changes_nothing,
            governance::proposals_are_for_own_department_and_decided_by_another,
            governance::catalog_as_known_at_a_moment_is_reproduced,
            governance::retired_indicator_leaves_later_catalogs_only,
            governance::correction_is_invisible_until_approved,
            governance::as_of_read_returns_the_value_of_that_moment,
            governance::rejected_correction_is_kept_and_changes_nothing,
            governance::quarterly_report_lists_the_corrections_of_the_quarter,
            governance::proposal_that_no_longer_fits_the_catalog_is_refused_at_approval,
            governance::change_filed_before_a_retirement_cannot_bring_it_back,
            governance::retired_indicator_takes_no_assignments_nor_values_from_its_retirement,
            governance::indicator_history_says_who_proposed_and_why_it_was_approved,
            governance::whole_catalog_as_of_a_moment_is_reproduced,
        );
        $crate::__scenario_tests!(
            $fresh;
            scenarios::parallel_wrong_guesses_all_count_towards_the_lock,
            scenarios::session_token_is_stored_only_as_its_digest,
            scenarios::audit_log_keeps_no_email_of_an_account_lifecycle,
            scenarios::account_may_hold_several_roles,
            scenarios::concurrent_identical_assignments_make_one,
        );
        $crate::__scenario_tests!(
            $fresh;
            permissions::every_cell_of_the_permission_matrix_holds,
            hardening::login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password,
            hardening::calendar_year_loaded_again_replaces_the_stored_year,
            hardening::concurrent_reviews_corrections_and_resubmissions_lose_no_update,
            hardening::text_fields_are_limited_and_unicode_names_kept,
            hardening::every_limited_text_field_refuses_overlong_text_naming_the_field,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __scenario_tests {
    ($fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $fresh().await;
                $crate::$module::$name(store.storage.clone()).await;
            }
        )*
    };
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $fresh().await;
                $crate::scenarios::$name(store.storage.clone()).await;
            }
        )*
    };
}
