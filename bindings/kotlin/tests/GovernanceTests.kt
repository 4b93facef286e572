// Catalog governance, corrections and reading as of a moment, as they look from Kotlin:
// the sealed ProposedChange, Decision, Instant arguments, and nullable results.
package city.passport.tests

import city.passport.Decision
import city.passport.Entry
import city.passport.Passport
import city.passport.PassportException
import city.passport.ProposedChange
import city.passport.ValueAction
import city.passport.ValueInput
import java.time.Instant
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The executor's accepted value of EDU-1 for June 2026. */
private fun acceptedJune(city: City, amount: String) {
    city.executor.saveDraft("EDU-1", "2026-M06", amount)
    city.executor.submit("EDU-1", "2026-M06")
    city.controller.accept("EDU-1", "2026-M06")
}

val governanceTests = listOf(
    Test("approved_unit_change_applies_from_its_period_and_leaves_earlier_ones") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                val before = city.chief.indicator("EDU-1")
                val changed = before.copy(unitName = "тысяча человек", okeiCode = "793")
                val proposal = city.head.proposeChange(
                    ProposedChange.Change(changed),
                    "the statistics office reports in thousands from September",
                    "2026-M09",
                )
                assertEquals(Decision.PENDING, proposal.status)
                assertEquals("2026-M09", proposal.effectiveFrom)

                // Nothing changes while the proposal waits.
                val pending = city.viewer.catalogForPeriod("2026-M10", null)
                assertEquals("человек", pending.single { it.code == "EDU-1" }.unitName)

                val approved = city.chief.approveProposal(proposal.id, "agreed with the office")
                assertEquals(Decision.APPROVED, approved.status)
                assertEquals(city.chief.accountId(), approved.decidedBy)

                val august = city.viewer.catalogForPeriod("2026-M08", null)
                val october = city.viewer.catalogForPeriod("2026-M10", null)
                assertEquals("человек", august.single { it.code == "EDU-1" }.unitName)
                assertEquals("тысяча человек", october.single { it.code == "EDU-1" }.unitName)

                // As it was known before the approval, October still had the old unit.
                val knownBefore = city.viewer.catalogForPeriod("2026-M10", proposal.proposedAt)
                assertEquals("человек", knownBefore.single { it.code == "EDU-1" }.unitName)

                val history = city.viewer.indicatorHistory("EDU-1")
                assertEquals(listOf(1, 2), history.map { it.number })
                assertEquals("2026-M09", history.last().effectiveFrom)
                assertEquals(proposal.id, history.last().proposalId)
                assertEquals(listOf(approved), city.viewer.proposals(Decision.APPROVED))
            }
        }
    },
    Test("rejected_proposal_is_kept_and_retiring_needs_the_right_role") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                val proposal = city.head.proposeChange(
                    ProposedChange.Retire("EDU-2"),
                    "no longer collected",
                    "2027-M01",
                )
                val rejected = city.chief.rejectProposal(proposal.id, "still required by the region")
                assertEquals(Decision.REJECTED, rejected.status)
                assertEquals("still required by the region", rejected.decisionReason)
                val codes = city.viewer.catalogForPeriod("2027-M02", null).map { it.code }
                assertTrue("EDU-2" in codes)

                // An executor may not propose; the error says so in its own class.
                assertFailsWith<PassportException.PermissionDenied> {
                    city.executor.proposeChange(ProposedChange.Retire("EDU-2"), "why not", "2027-M01")
                }
            }
        }
    },
    Test("correction_shows_only_once_approved_and_as_of_reads_the_old_value") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                acceptedJune(city, "120")
                val beforeCorrection = Instant.now()
                Thread.sleep(5)

                val correction = city.controller.proposeCorrection(
                    "EDU-1",
                    "2026-M06",
                    ValueInput.Typed("125"),
                    "a late enrolment list from school 12",
                )
                assertEquals(Entry.Amount("120"), correction.oldEntry)
                assertEquals(Entry.Amount("125"), correction.newEntry)
                assertEquals(Entry.Amount("120"), city.viewer.value("EDU-1", "2026-M06")!!.entry)

                val approved = city.chief.approveCorrection(correction.id, null)
                assertEquals(Decision.APPROVED, approved.status)
                assertEquals(Entry.Amount("125"), city.viewer.value("EDU-1", "2026-M06")!!.entry)
                assertEquals(
                    ValueAction.CORRECT,
                    city.viewer.valueHistory("EDU-1", "2026-M06").last().action,
                )

                // As of a moment before the correction, the old value; before anything, none.
                val then = city.viewer.valueAsOf("EDU-1", "2026-M06", beforeCorrection)
                assertEquals(Entry.Amount("120"), assertNotNull(then).entry)
                assertNull(city.viewer.valueAsOf("EDU-1", "2026-M06", Instant.EPOCH))
                val rows = city.viewer.periodPassportAsOf("2026-M06", beforeCorrection)
                assertEquals(Entry.Amount("120"), rows.single { it.indicator.code == "EDU-1" }.value!!.entry)

                // Only an accepted value is corrected, not a draft.
                city.executor.saveDraft("EDU-2", "2026-M06", "3,5")
                assertFailsWith<PassportException.WrongState> {
                    city.controller.proposeCorrection(
                        "EDU-2",
                        "2026-M06",
                        ValueInput.Typed("1"),
                        "nothing accepted yet",
                    )
                }
                assertEquals(listOf(approved), city.viewer.corrections(null))
            }
        }
    },
    Test("rejected_correction_is_kept_with_its_reason_and_the_value_stays") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                acceptedJune(city, "120")
                val correction = city.controller.proposeCorrection(
                    "EDU-1",
                    "2026-M06",
                    ValueInput.Typed("130"),
                    "a second enrolment list",
                )
                val rejected =
                    city.chief.rejectCorrection(correction.id, "the list counts pupils twice")
                assertEquals(Decision.REJECTED, rejected.status)
                assertEquals(city.chief.accountId(), rejected.decidedBy)
                assertEquals("the list counts pupils twice", rejected.decisionReason)
                assertNotNull(rejected.decidedAt)

                assertEquals(Entry.Amount("120"), city.viewer.value("EDU-1", "2026-M06")!!.entry)
                assertEquals(listOf(rejected), city.viewer.corrections(Decision.REJECTED))
                assertTrue(city.viewer.corrections(Decision.PENDING).isEmpty())
                // Decided once: a second decision is refused in its own class.
                assertFailsWith<PassportException.WrongState> {
                    city.chief.rejectCorrection(correction.id, "again")
                }
            }
        }
    },
    Test("chief_changes_the_catalog_at_once_from_the_given_period") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                val renamed = city.chief.indicator("EDU-2").copy(name = "Доля выпускников")
                val change = city.chief.changeCatalog(
                    ProposedChange.Change(renamed),
                    "renamed by the regional order",
                    "2026-M10",
                )
                // Recorded as a proposal of the chief, approved at once.
                assertEquals(Decision.APPROVED, change.status)
                assertEquals(city.chief.accountId(), change.proposedBy)
                assertEquals(city.chief.accountId(), change.decidedBy)
                assertEquals("2026-M10", change.effectiveFrom)
                assertEquals(ProposedChange.Change(renamed), change.change)

                val september = city.viewer.catalogForPeriod("2026-M09", null)
                val october = city.viewer.catalogForPeriod("2026-M10", null)
                assertEquals("Показатель EDU-2", september.single { it.code == "EDU-2" }.name)
                assertEquals("Доля выпускников", october.single { it.code == "EDU-2" }.name)

                assertFailsWith<PassportException.PermissionDenied> {
                    city.head.changeCatalog(ProposedChange.Retire("EDU-2"), "why not", "2027-M01")
                }
            }
        }
    },
    Test("audit_log_verification_reports_an_intact_chain") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                acceptedJune(city, "7")
                val verification = city.controller.verifyAuditLog()
                assertNull(verification.firstBroken)
                assertNull(verification.problem)
                assertTrue(verification.recordsChecked > 5)
                assertEquals(64, verification.headHash.length)
                assertFailsWith<PassportException.PermissionDenied> { city.viewer.verifyAuditLog() }
            }
        }
    },
    Test("proposal_by_id_and_history_say_who_proposed_and_why_it_was_approved") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                val changed = city.chief.indicator("EDU-1").copy(methodology = "по данным ЕГИССО")
                val proposal = city.head.proposeChange(
                    ProposedChange.Change(changed),
                    "a new official data source",
                    "2027-M01",
                )
                assertEquals(proposal, city.viewer.proposal(proposal.id))
                val approved = city.chief.approveProposal(proposal.id, "the source is official")
                assertEquals(approved, city.viewer.proposal(proposal.id))
                assertEquals(Decision.APPROVED, city.viewer.proposal(proposal.id).status)

                val (first, second) = city.viewer.indicatorHistory("EDU-1")
                // The first definition came without a proposal: nobody proposed it.
                assertNull(first.proposedBy)
                assertNull(first.decisionReason)
                assertEquals(city.head.accountId(), second.proposedBy)
                assertEquals(city.chief.accountId(), second.recordedBy)
                assertEquals("the source is official", second.decisionReason)

                val missing = assertFailsWith<PassportException.NotFound> {
                    city.viewer.proposal("no-such-proposal")
                }
                assertEquals("change proposal", missing.kind)
                assertEquals("no-such-proposal", missing.id)
            }
        }
    },
    Test("retired_indicator_keeps_its_catalog_entry_and_leaves_the_catalog_as_of_then") {
        Passport.openSled(tempStoreDir("kotlin-governance")).use { passport ->
            City(passport).use { city ->
                val today = passport.today()
                val thisMonth = "%d-M%02d".format(today.year, today.monthValue)
                val beforeRetiring = Instant.now()
                Thread.sleep(5)
                city.chief.changeCatalog(
                    ProposedChange.Retire("EDU-2"),
                    "no longer collected",
                    thisMonth,
                )

                val entry = city.viewer.catalogEntry("EDU-2")
                assertEquals(thisMonth, entry.retiredFrom)
                assertEquals("Показатель EDU-2", entry.indicator.name)
                assertNull(city.viewer.catalogEntry("EDU-1").retiredFrom)
                val refused = assertFailsWith<PassportException.WrongState> {
                    city.viewer.indicator("EDU-2")
                }
                assertContains(refused.reason, thisMonth)
                assertFailsWith<PassportException.NotFound> {
                    city.viewer.catalogEntry("NO-SUCH-1")
                }

                val now = city.viewer.catalogAsOf(Instant.now()).map { it.code }
                assertEquals(listOf("EDU-1"), now)
                val before = city.viewer.catalogAsOf(beforeRetiring).map { it.code }
                assertEquals(listOf("EDU-1", "EDU-2"), before)
                assertTrue(city.viewer.catalogAsOf(Instant.EPOCH).isEmpty())

                // The change is announced for the head of the indicator's department.
                val announced = city.viewer.events().single { it.kind == "catalog.changed" }
                assertEquals("EDU-2", announced.indicator)
                assertEquals(city.education, announced.departmentId)
            }
        }
    },
)
