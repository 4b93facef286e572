// Calls from several JVM threads at once on one Passport and on shared sessions.
package city.passport.tests

import city.passport.Entry
import city.passport.Passport
import city.passport.PassportException
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Runs [tasks] on their own threads, all released at once, and returns their results. */
fun <T> together(tasks: List<() -> T>): List<T> {
    val pool = Executors.newFixedThreadPool(tasks.size)
    val start = CountDownLatch(1)
    try {
        val futures = tasks.map { task -> pool.submit(Callable { start.await(); task() }) }
        start.countDown()
        return futures.map { it.get(120, TimeUnit.SECONDS) }
    } finally {
        pool.shutdownNow()
    }
}

val concurrencyTests = listOf(
    Test("threads_share_one_passport_and_its_sessions") {
        Passport.openSled(tempStoreDir("kotlin-threads")).use { passport ->
            City(passport).use { city ->
                val writers = (1..6).map { month ->
                    {
                        val period = "2026-M%02d".format(month)
                        city.executor.saveDraft("EDU-1", period, "${month * 100}").status.name
                    }
                }
                val readers = (1..6).map {
                    {
                        repeat(10) {
                            city.viewer.catalog()
                            city.viewer.periodPassport("2026-M03")
                        }
                        city.viewer.whoami().fullName
                    }
                }
                val results = together(writers + readers)
                assertEquals(List(6) { "DRAFT" }, results.take(6))

                for (month in 1..6) {
                    val value = city.viewer.value("EDU-1", "2026-M%02d".format(month))!!
                    assertEquals(Entry.Amount("${month * 100}"), value.entry)
                }
            }
        }
    },

    Test("logins_from_many_threads_at_once_all_succeed") {
        Passport.inMemory().use { passport ->
            City(passport).use {
                val sessions =
                    together(List(4) { { passport.login("viewer@city.example", PASSWORD) } })
                val ids = sessions.map { session -> session.use { it.accountId() } }
                assertEquals(1, ids.toSet().size)
            }
        }
    },

    Test("racing_saves_of_one_value_conflict_at_least_once_and_history_counts_the_successes") {
        Passport.openSled(tempStoreDir("kotlin-race")).use { passport ->
            City(passport).use { city ->
                // Each round releases eight saves of the same value at once: those that
                // read the same version race, one wins and the others must come out as
                // Conflict, which the rounds go on until they have seen.
                val outcomes = mutableListOf<String>()
                var rounds = 0
                while (rounds < 200 && "conflict" !in outcomes) {
                    rounds++
                    outcomes += together(
                        (1..8).map { thread ->
                            {
                                try {
                                    city.executor.saveDraft("EDU-2", "2026-M05", "$rounds,$thread")
                                    "saved"
                                } catch (e: PassportException.Conflict) {
                                    assertTrue(e.reason.isNotBlank())
                                    "conflict"
                                }
                            }
                        },
                    )
                }
                assertTrue("conflict" in outcomes, "no Conflict in $rounds rounds: $outcomes")
                val saved = outcomes.count { it == "saved" }
                assertTrue(saved >= rounds, "every round saves at least once: $outcomes")
                assertEquals(saved, city.viewer.valueHistory("EDU-2", "2026-M05").size)
                assertEquals(saved, city.viewer.value("EDU-2", "2026-M05")!!.revisions)
            }
        }
    },
)
