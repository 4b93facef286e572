// One full workflow on a sled store, checking how every kind of value looks in Kotlin:
// exact decimals as strings, LocalDate and Instant, enums, sealed classes, nullability.
package city.passport.tests

import city.passport.AuditQuery
import city.passport.DepartmentKind
import city.passport.Entry
import city.passport.NewAccount
import city.passport.Passport
import city.passport.PassportException
import city.passport.Periodicity
import city.passport.Role
import city.passport.ValueAction
import city.passport.ValueKind
import city.passport.ValueStatus
import java.io.File
import java.math.BigDecimal
import java.time.Instant
import java.time.LocalDate
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

const val CATALOG_CSV = """code,section,name_ru,unit_ru,okei_code,periodicity,value_kind,max
POP-1,Население,Численность постоянного населения,человек,792,monthly,integer,2000000
POP-2,Население,Общий коэффициент рождаемости,на 1000 человек,,monthly,decimal:1,
"""

val workflowTests = listOf(
    Test("full_workflow_on_sled_from_bootstrap_to_the_period_passport") {
        val path = tempStoreDir("kotlin-workflow")
        val period = "2026-M07"
        Passport.openSled(path).use { passport ->
            // Bootstrap: the first administrator sets a password with the setup token.
            val setup = passport.bootstrapAdministrator(
                "Admin@City.example",
                "Администратор",
                order("1-к", "2026-01-12"),
            )
            passport.setPassword(setup, PASSWORD)
            passport.login("admin@city.example", PASSWORD).use { admin ->
                val me = admin.whoami()
                assertEquals(listOf(Role.ADMINISTRATOR), me.roles)
                assertEquals(LocalDate.of(2026, 1, 12), me.order.date)
                assertTrue(me.createdAt.isBefore(Instant.now().plusSeconds(1)))
                assertEquals("admin@city.example", me.email)

                // Departments and accounts, each person setting their own password.
                val analytics =
                    admin.createDepartment("управление аналитики", DepartmentKind.DEPARTMENT)
                assertEquals(analytics, admin.departmentByName("управление аналитики"))
                for ((email, role) in listOf(
                    "chief@city.example" to Role.CHIEF_OF_STAFF,
                    "head@city.example" to Role.DEPARTMENT_HEAD,
                    "executor@city.example" to Role.EXECUTOR,
                    "controller@city.example" to Role.CONTROLLER,
                    "viewer@city.example" to Role.VIEWER,
                )) {
                    val created = admin.createAccount(
                        NewAccount(
                            email,
                            "Сотрудник $email",
                            listOf(role),
                            order("2-к", "2026-01-20"),
                            analytics.id,
                        ),
                    )
                    assertTrue(created.accountId.isNotBlank())
                    passport.setPassword(created.setupToken, PASSWORD)
                }
                assertEquals(6, admin.accounts().size)
            }

            // The catalog: a CSV file for a section, and one indicator defined by hand.
            val chief = passport.login("chief@city.example", PASSWORD)
            val csv = File.createTempFile("catalog", ".csv")
            csv.deleteOnExit()
            csv.writeText(CATALOG_CSV)
            val analyticsId = chief.departments().single().id
            val sections = mapOf("Население" to analyticsId)
            val load = chief.loadCatalogCsv(csv.path, sections)
            assertEquals(2, load.added)
            assertEquals(1, load.sectionsAdded)
            assertEquals(2, chief.loadCatalogCsv(csv.path, sections).unchanged)
            chief.defineIndicator(indicator("EDU-9", ValueKind.Percent(1), analyticsId))
            assertEquals(listOf("Население", "Образование"), chief.sections().map { it.name })
            val pop2 = chief.indicator("POP-2")
            assertEquals(ValueKind.Decimal(1), pop2.kind)
            assertEquals(Periodicity.MONTHLY, pop2.periodicity)
            assertNull(pop2.okeiCode)
            assertEquals("2000000", chief.indicator("POP-1").plausibility.max)
            chief.close()

            // The head assigns the executor.
            val executor = passport.login("executor@city.example", PASSWORD)
            passport.login("head@city.example", PASSWORD).use { head ->
                val assignment =
                    head.assignExecutor(executor.accountId(), "POP-2", order("15-к", "2026-02-01"))
                assertEquals(LocalDate.of(2026, 2, 1), assignment.order.date)
                assertNull(assignment.endedAt)
                assertEquals(listOf(assignment), head.assignmentsOfIndicator("POP-2"))
            }

            // Draft "12,5" as typed, submit, return with a reason, fix, resubmit, accept.
            val controller = passport.login("controller@city.example", PASSWORD)
            val draft = executor.saveDraft("POP-2", period, "12,5")
            assertEquals(Entry.Amount("12.5"), draft.entry)
            assertEquals(BigDecimal("12.5"), BigDecimal((draft.entry as Entry.Amount).amount))
            assertEquals(ValueStatus.DRAFT, draft.status)
            assertEquals(ValueStatus.SUBMITTED, executor.submit("POP-2", period).status)
            assertEquals(listOf("POP-2"), controller.valuesToReview().map { it.indicator })

            val returned = controller.returnValue("POP-2", period, "проверьте по форме 1-МО")
            assertEquals(ValueStatus.RETURNED, returned.status)
            assertEquals("проверьте по форме 1-МО", returned.returnReason)
            assertEquals(1, returned.timesReturned)
            assertFailsWith<PassportException.WrongState> { controller.accept("POP-2", period) }

            executor.saveDraft("POP-2", period, "12,6")
            executor.submit("POP-2", period)
            val accepted = controller.accept("POP-2", period)
            assertEquals(ValueStatus.ACCEPTED, accepted.status)
            assertEquals(Entry.Amount("12.6"), accepted.entry)
            assertEquals(controller.accountId(), accepted.reviewedBy)
            assertNotNull(accepted.firstSubmittedAt)
            assertTrue(controller.valuesToReview().isEmpty())

            // A value that does not apply is distinct from zero and from nothing.
            passport.login("head@city.example", PASSWORD).use { head ->
                head.assignExecutor(executor.accountId(), "EDU-9", order("16-к", "2026-02-01"))
            }
            val closed = "учреждение закрыто на ремонт"
            val na = executor.saveDraftNotApplicable("EDU-9", period, closed)
            assertEquals(Entry.NotApplicable(closed), na.entry)

            val history = controller.valueHistory("POP-2", period)
            assertEquals(
                listOf(
                    ValueAction.SAVE, ValueAction.SUBMIT, ValueAction.RETURN,
                    ValueAction.SAVE, ValueAction.SUBMIT, ValueAction.ACCEPT,
                ),
                history.map { it.action },
            )
            assertEquals((1..6).toList(), history.map { it.number })
            assertNull(history.first().oldEntry)
            assertEquals("проверьте по форме 1-МО", history[2].reason)

            // The period passport, as a viewer reads it.
            passport.login("viewer@city.example", PASSWORD).use { viewer ->
                val rows = viewer.periodPassport(period)
                assertEquals(listOf("POP-1", "POP-2", "EDU-9"), rows.map { it.indicator.code })
                val labels = rows.map { it.statusLabel }
                assertEquals(listOf("not entered", "accepted", "draft"), labels)
                assertNull(rows[0].value)
                assertEquals(Entry.Amount("12.6"), rows[1].value!!.entry)

                val series = viewer.indicatorSeries("POP-2", "2026-M06", "2026-M08")
                assertEquals(listOf("2026-M06", "2026-M07", "2026-M08"), series.map { it.period })
                assertEquals(listOf(false, true, false), series.map { it.value != null })
            }

            // Every step is in the audit log, exports included.
            val trail = controller.auditLog(AuditQuery(kind = "value", key = "POP-2|$period"))
            assertEquals(
                listOf(
                    "value.save", "value.submit", "value.return",
                    "value.save", "value.submit", "value.accept",
                ),
                trail.map { it.action },
            )
            assertTrue(trail.zipWithNext().all { (a, b) -> a.seq < b.seq })
            assertEquals(2, controller.auditLog(AuditQuery(limit = 2)).size)
            val bad = assertFailsWith<PassportException.InvalidInput> {
                controller.auditLog(AuditQuery(kind = "values"))
            }
            assertEquals("kind", bad.field)

            // Passwords: a change ends other sessions; a dismissal ends all of them.
            executor.changePassword(PASSWORD, "a brand new password")
            passport.login("admin@city.example", PASSWORD).use { admin ->
                val viewerId = admin.accounts().single { it.email == "viewer@city.example" }.id
                val again = passport.login("viewer@city.example", PASSWORD)
                admin.deactivateAccount(viewerId, "уволен приказом 99-к")
                assertFailsWith<PassportException.Unauthenticated> { again.whoami() }
                again.close()
                assertFailsWith<PassportException.LoginFailed> {
                    passport.login("viewer@city.example", PASSWORD)
                }
                val gone = admin.accounts().single { it.id == viewerId }
                assertTrue(!gone.active && gone.email == null && gone.deactivatedAt != null)

                val reset = admin.issueSetupToken(executor.accountId())
                assertFailsWith<PassportException.Unauthenticated> { executor.whoami() }
                passport.setPassword(reset, PASSWORD)
            }
            executor.close()
            controller.close()
        }

        // Everything is on disk: a new Passport on the folder sees the accepted value.
        Passport.openSled(path).use { passport ->
            passport.login("executor@city.example", PASSWORD).use { executor ->
                assertEquals(ValueStatus.ACCEPTED, executor.value("POP-2", period)!!.status)
            }
        }
    },
)
