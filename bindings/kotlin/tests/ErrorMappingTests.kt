// How the core's errors reach Kotlin: one PassportException subclass per kind, with
// fields and a message that say what failed, and never a secret in them.
package city.passport.tests

import city.passport.DepartmentKind
import city.passport.NoticeStatus
import city.passport.Passport
import city.passport.PassportException
import city.passport.ValueRef
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

val errorMappingTests = listOf(
    Test("wrong_password_is_login_failed_without_the_password_in_the_message") {
        Passport.inMemory().use { passport ->
            City(passport).use {
                val error = assertFailsWith<PassportException.LoginFailed> {
                    passport.login("executor@city.example", "not the password at all")
                }
                assertContains(error.message, "wrong e-mail or password")
                assertFalse(error.message.contains("not the password at all"))
            }
        }
    },

    Test("bad_period_is_invalid_input_naming_the_field") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val error = assertFailsWith<PassportException.InvalidInput> {
                    city.viewer.periodPassport("2026-7")
                }
                assertEquals("period", error.field)
                assertContains(error.reason, "'2026-7'")
                assertContains(error.message, "field=period")
            }
        }
    },

    Test("unparseable_number_is_invalid_input_for_the_value") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val error = assertFailsWith<PassportException.InvalidInput> {
                    city.executor.saveDraft("EDU-1", "2026-M06", "н/д")
                }
                assertEquals("value", error.field)
            }
        }
    },

    Test("viewer_creating_a_department_is_permission_denied") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val error = assertFailsWith<PassportException.PermissionDenied> {
                    city.viewer.createDepartment("жилищное управление", DepartmentKind.DEPARTMENT)
                }
                assertTrue(error.reason.isNotBlank())
            }
        }
    },

    Test("executor_accepting_is_permission_denied") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                city.executor.saveDraft("EDU-1", "2026-M06", "10")
                city.executor.submit("EDU-1", "2026-M06")
                assertFailsWith<PassportException.PermissionDenied> {
                    city.executor.accept("EDU-1", "2026-M06")
                }
            }
        }
    },

    Test("unknown_indicator_is_not_found_with_kind_and_id") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val error = assertFailsWith<PassportException.NotFound> {
                    city.viewer.indicator("NO-SUCH-1")
                }
                assertEquals("indicator", error.kind)
                assertEquals("NO-SUCH-1", error.id)
            }
        }
    },

    Test("ids_cross_as_given_so_a_spaced_id_is_not_found_as_in_the_core") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                // The core does not trim ids, so neither do the bindings: " <id>" is
                // another id, which names nothing.
                val executorId = city.executor.accountId()
                val assigned = city.viewer.assignmentsOfAccount(executorId)
                assertEquals(setOf("EDU-1", "EDU-2"), assigned.map { it.indicator }.toSet())
                assertTrue(assigned.all { it.accountId == executorId })
                assertTrue(city.viewer.assignmentsOfAccount(" $executorId").isEmpty())

                val today = passport.today()
                val notice = city.executor.fileDelayNotice(
                    listOf(ValueRef("EDU-1", firstOpenMonth(today))),
                    "нет данных статистики",
                    today.plusDays(40),
                )
                val error = assertFailsWith<PassportException.NotFound> {
                    city.controller.grantDelayNotice(" ${notice.id}")
                }
                assertEquals(" ${notice.id}", error.id)
                val pending = city.controller.delayNotices(NoticeStatus.PENDING)
                assertEquals(listOf(notice.id), pending.map { it.id })
            }
        }
    },

    Test("value_above_the_maximum_is_implausible_naming_the_rule") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val error = assertFailsWith<PassportException.Implausible> {
                    city.executor.saveDraft("EDU-1", "2026-M06", "200 000")
                }
                assertEquals("EDU-1", error.indicator)
                assertEquals("2026-M06", error.period)
                assertEquals("maximum", error.rule)
            }
        }
    },

    Test("accepting_a_draft_is_wrong_state") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                city.executor.saveDraft("EDU-1", "2026-M06", "10")
                assertFailsWith<PassportException.WrongState> {
                    city.controller.accept("EDU-1", "2026-M06")
                }
            }
        }
    },

    Test("second_department_of_the_same_name_already_exists") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val error = assertFailsWith<PassportException.AlreadyExists> {
                    city.admin.createDepartment(
                        "управление образования",
                        DepartmentKind.INSTITUTION,
                    )
                }
                assertEquals("department", error.kind)
            }
        }
    },

    Test("logged_out_session_is_unauthenticated") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val session = passport.login("viewer@city.example", PASSWORD)
                session.logout()
                assertFailsWith<PassportException.Unauthenticated> { session.catalog() }
                session.close()
            }
        }
    },

    Test("repeated_wrong_passwords_lock_the_login_out") {
        Passport.inMemory().use { passport ->
            City(passport).use {
                repeat(5) {
                    assertFailsWith<PassportException.LoginFailed> {
                        passport.login("viewer@city.example", "wrong password $it")
                    }
                }
                assertFailsWith<PassportException.LockedOut> {
                    passport.login("viewer@city.example", PASSWORD)
                }
            }
        }
    },

    Test("unreachable_postgres_is_a_storage_error_without_the_password") {
        val error = assertFailsWith<PassportException.Storage> {
            Passport.connectPostgres("postgres://portal:s3cret-pw@127.0.0.1:1/passport")
        }
        assertFalse(error.message.contains("s3cret-pw"), error.message)
        assertContains(error.reason, "127.0.0.1")
    },

    Test("folder_that_is_a_file_is_a_storage_error_naming_it") {
        val file = java.io.File.createTempFile("not-a-store", ".txt")
        file.deleteOnExit()
        val error = assertFailsWith<PassportException.Storage> { Passport.openSled(file.path) }
        assertContains(error.reason, file.path)
    },

    Test("exceptions_form_one_sealed_hierarchy_under_exception") {
        val error: Exception = assertFailsWith<PassportException> {
            Passport.inMemory().use { it.login("nobody@city.example", "whatever password") }
        }
        val kind = when (error as PassportException) {
            is PassportException.LoginFailed -> "login failed"
            is PassportException.InvalidInput, is PassportException.Implausible,
            is PassportException.LockedOut, is PassportException.Unauthenticated,
            is PassportException.PermissionDenied, is PassportException.NotFound,
            is PassportException.AlreadyExists, is PassportException.WrongState,
            is PassportException.Conflict, is PassportException.Storage,
            is PassportException.Closed, is PassportException.Other -> "other"
        }
        assertEquals("login failed", kind)
    },
)
