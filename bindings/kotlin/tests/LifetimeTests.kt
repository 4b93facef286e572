// Object lifetimes across the FFI: what close() does, closing twice, use after close,
// which session ends when its object goes, and what the garbage collector may free.
package city.passport.tests

import city.passport.AuditQuery
import city.passport.Entry
import city.passport.Passport
import city.passport.PassportException
import city.passport.Secret
import city.passport.Session
import java.lang.ref.WeakReference
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * Opens the sled store in [path] and logs the executor in, returning the session and a
 * weak reference to the passport, which nothing else holds: once this function returns,
 * the garbage collector may free it. (A function of its own, so that no local variable
 * of the caller keeps the passport reachable.)
 */
private fun executorOfAnUnheldPassport(path: String): Pair<Session, WeakReference<Passport>> {
    val passport = Passport.openSled(path)
    return passport.login("executor@city.example", PASSWORD) to WeakReference(passport)
}

/** Logs the viewer in and lets go of the session at once, keeping a weak reference. */
private fun viewerSessionNobodyHolds(passport: Passport): WeakReference<Session> =
    WeakReference(passport.login("viewer@city.example", PASSWORD))

/** Runs the garbage collector until [done] says so, for at most about five seconds. */
private fun collectGarbageUntil(done: () -> Boolean): Boolean {
    repeat(100) {
        if (done()) return true
        System.gc()
        // The cleaner frees native objects on its own thread, after the collection.
        Thread.sleep(50)
    }
    return done()
}

val lifetimeTests = listOf(
    Test("closing_a_passport_twice_is_harmless") {
        val passport = Passport.inMemory()
        passport.close()
        passport.close()
    },

    Test("passport_used_after_close_throws_closed_inside_the_sealed_hierarchy") {
        val passport = Passport.inMemory()
        passport.close()
        val error = assertFailsWith<PassportException.Closed> {
            passport.login("admin@city.example", PASSWORD)
        }
        assertTrue(error.reason.contains("Passport was closed"), error.reason)
        // What a caller catching the base class sees.
        val caught = try {
            passport.today()
            null
        } catch (e: PassportException) {
            e
        }
        assertTrue(caught is PassportException.Closed, "$caught")
    },

    Test("destroyed_passport_closes_its_store_and_then_throws_illegal_state") {
        val passport = Passport.inMemory()
        val city = City(passport)
        passport.destroy()
        assertFailsWith<PassportException.Closed> { city.viewer.catalog() }
        // destroy() frees the native object, after which uniffi itself refuses the call.
        assertFailsWith<IllegalStateException> { passport.today() }
        passport.close()
        city.close()
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

    Test("session_keeps_working_after_the_garbage_collector_frees_its_passport") {
        val path = tempStoreDir("kotlin-lifetime")
        Passport.openSled(path).use { passport -> City(passport).close() }

        val (session, passport) = executorOfAnUnheldPassport(path)
        assertTrue(collectGarbageUntil { passport.get() == null }, "the passport was not freed")
        // A few more collections, so that the cleaner has freed the native passport too.
        repeat(3) {
            System.gc()
            Thread.sleep(50)
        }
        for (month in 1..3) {
            val period = "2026-M%02d".format(month)
            session.saveDraft("EDU-1", period, "$month")
            assertEquals(Entry.Amount("$month"), session.value("EDU-1", period)!!.entry)
        }

        // With the passport gone and its last session closed, the store closes: the
        // folder opens again (sled allows one open store per folder).
        session.close()
        var reopened: Passport? = null
        collectGarbageUntil {
            reopened = try {
                Passport.openSled(path)
            } catch (e: PassportException.Storage) {
                null
            }
            reopened != null
        }
        val again = assertNotNull(reopened, "the store stayed open after its last session")
        again.use { it.login("viewer@city.example", PASSWORD).use { viewer -> viewer.whoami() } }
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
                val error = assertFailsWith<PassportException.Closed> { session.whoami() }
                assertTrue(error.reason.contains("Session was closed"), error.reason)
                assertFailsWith<PassportException.Closed> { session.detach() }
                assertFailsWith<PassportException.Closed> { session.logout() }
                assertEquals(viewerId, session.accountId())
            }
        }
    },

    Test("session_left_open_is_logged_out_when_the_garbage_collector_frees_it") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val viewerId = city.viewer.accountId()
                fun logouts() = city.admin.auditLog(AuditQuery(actorId = viewerId))
                    .count { it.action == "session.close" }

                val before = logouts()
                val session = viewerSessionNobodyHolds(passport)
                assertTrue(collectGarbageUntil { session.get() == null }, "the session was not freed")
                assertTrue(collectGarbageUntil { logouts() == before + 1 }, "no logout after the free")
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
