// Object lifetimes across the FFI: what close() does, closing twice, use after close,
// and which session ends when its object goes.
package city.passport.tests

import city.passport.AuditQuery
import city.passport.Passport
import city.passport.PassportException
import city.passport.Secret
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

val lifetimeTests = listOf(
    Test("closing_a_passport_twice_is_harmless") {
        val passport = Passport.inMemory()
        passport.close()
        passport.close()
    },

    Test("passport_used_after_close_throws_illegal_state") {
        val passport = Passport.inMemory()
        passport.close()
        val error = assertFailsWith<IllegalStateException> {
            passport.login("admin@city.example", PASSWORD)
        }
        assertTrue(error.message!!.contains("destroyed"), error.message)
    },

    Test("session_of_a_closed_passport_throws_closed") {
        val passport = Passport.inMemory()
        val city = City(passport)
        passport.close()
        val error = assertFailsWith<PassportException.Closed> { city.viewer.catalog() }
        assertTrue(error.reason.contains("closed"), error.reason)
        // Closing sessions after their passport is harmless too.
        city.close()
    },

    Test("closing_a_sled_passport_releases_the_folder_for_the_next_open") {
        val path = tempStoreDir("kotlin-lifetime")
        Passport.openSled(path).use { passport -> City(passport).close() }
        // sled allows one open store per folder: this open succeeds only if close()
        // really dropped the first one.
        Passport.openSled(path).use { passport ->
            passport.login("viewer@city.example", PASSWORD).use { viewer ->
                assertEquals(listOf("EDU-1", "EDU-2"), viewer.catalog().map { it.code })
            }
        }
    },

    Test("second_open_of_an_open_sled_folder_is_a_storage_error") {
        val path = tempStoreDir("kotlin-lifetime")
        Passport.openSled(path).use {
            assertFailsWith<PassportException.Storage> { Passport.openSled(path) }
        }
    },

    Test("closing_a_login_session_logs_out_and_twice_is_harmless") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val viewerId = city.viewer.accountId()
                fun logouts() = city.admin.auditLog(AuditQuery(actorId = viewerId))
                    .count { it.action == "session.close" }

                val session = passport.login("viewer@city.example", PASSWORD)
                session.close()
                session.close()
                assertEquals(1, logouts())
                assertFailsWith<IllegalStateException> { session.whoami() }
            }
        }
    },

    Test("detached_session_is_not_logged_out_by_close") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val session = passport.login("viewer@city.example", PASSWORD)
                val token = session.detach()
                session.close()
                passport.resumeSession(token).use { again ->
                    assertEquals(city.viewer.accountId(), again.accountId())
                }
                // Closing a resumed session does not end it either.
                passport.resumeSession(token).use { again -> again.whoami() }
            }
        }
    },

    Test("resumed_session_outlives_its_object_until_logout") {
        Passport.inMemory().use { passport ->
            City(passport).use {
                val token = passport.login("viewer@city.example", PASSWORD).use { it.detach() }
                passport.resumeSession(token).use { it.whoami() }
                val again = passport.resumeSession(token)
                again.logout()
                again.close()
                assertFailsWith<PassportException.Unauthenticated> { passport.resumeSession(token) }
            }
        }
    },

    Test("tokens_do_not_show_in_to_string") {
        Passport.inMemory().use { passport ->
            City(passport).use {
                val session = passport.login("viewer@city.example", PASSWORD)
                val token = session.detach()
                assertFalse(session.toString().contains(token.reveal()))
                assertFalse(token.toString().contains(token.reveal()))
                assertEquals(Secret(token.reveal()), token)
                assertNotEquals(Secret("something else"), token)
                session.logout()
                session.close()
            }
        }
    },
)
