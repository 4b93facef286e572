// The same calls on PostgreSQL. They need CITYPASSPORT_TEST_PG_URL, which
// scripts/with-postgres.sh sets after starting a throwaway server: the tests are run with
// `bash scripts/with-postgres.sh bash bindings/kotlin/run-tests.sh` (scripts/test.sh does).
package city.passport.tests

import city.passport.Entry
import city.passport.Passport
import city.passport.ValueStatus
import java.util.UUID
import kotlin.test.assertEquals

val postgresTests = listOf(
    Test("postgres_store_runs_a_workflow_in_its_own_schema") {
        // Without a server this fails rather than passing unseen.
        val url = System.getenv("CITYPASSPORT_TEST_PG_URL")
            ?: error(
                "CITYPASSPORT_TEST_PG_URL is not set: run the Kotlin tests with " +
                    "`bash scripts/with-postgres.sh bash bindings/kotlin/run-tests.sh`, " +
                    "which starts a throwaway PostgreSQL server (apt-get install postgresql)",
            )
        val schema = "kotlin_" + UUID.randomUUID().toString().replace("-", "").take(12)
        Passport.connectPostgres(url, schema).use { passport ->
            City(passport).use { city ->
                city.executor.saveDraft("EDU-2", "2026-M06", "7,5")
                city.executor.submit("EDU-2", "2026-M06")
                val accepted = city.controller.accept("EDU-2", "2026-M06")
                assertEquals(ValueStatus.ACCEPTED, accepted.status)
                assertEquals(Entry.Amount("7.5"), city.viewer.value("EDU-2", "2026-M06")!!.entry)
            }
        }
    },
)
