// Runs every Kotlin test of the bindings; the last line says how many passed and failed.
package city.passport.tests

fun main() {
    runAll(
        errorMappingTests + lifetimeTests + concurrencyTests + workflowTests + deadlineTests +
            governanceTests + postgresTests,
    )
}
