// Prints one period of a city passport as a table, from Kotlin.
//
//   java -Djna.library.path=<folder of libcitypassport_kotlin.so> \
//        -cp print-passport.jar:citypassport.jar:kotlin-stdlib.jar:jna.jar \
//        PrintPassportKt <store folder> [period] [e-mail] [password]
//
// It opens the sled store in <store folder>. A store the Rust quickstart made
// (`cargo run -p citypassport-examples --bin quickstart -- <folder>`) is read as it is,
// with the quickstart's viewer; an empty or new folder first gets a small demo: the
// same people, three population indicators and their accepted 2025 values. The period
// defaults to 2025. bindings/kotlin/run-tests.sh builds and runs it.

import city.passport.AppointmentOrder
import city.passport.DepartmentKind
import city.passport.DueRule
import city.passport.Entry
import city.passport.Indicator
import city.passport.NewAccount
import city.passport.Passport
import city.passport.PassportException
import city.passport.PassportRow
import city.passport.Periodicity
import city.passport.Role
import city.passport.ValueKind
import java.time.LocalDate
import kotlin.system.exitProcess

/** The quickstart's demo password; real people set their own with a setup token. */
const val DEMO_PASSWORD = "quickstart demo password"

fun main(args: Array<String>) {
    if (args.isEmpty()) {
        System.err.println("usage: PrintPassportKt <store folder> [period] [e-mail] [password]")
        exitProcess(2)
    }
    val folder = args[0]
    val period = args.getOrElse(1) { "2025" }
    val email = args.getOrElse(2) { "viewer@beladm.example" }
    val password = args.getOrElse(3) { DEMO_PASSWORD }

    try {
        Passport.openSled(folder).use { passport ->
            if (buildDemoIfEmpty(passport)) println("Built a demo passport in $folder.")
            passport.login(email, password).use { session ->
                val rows = session.periodPassport(period)
                val entered = rows.count { it.value != null }
                println("The city passport for $period ($entered of ${rows.size} entered):\n")
                print(table(rows))
            }
        }
    } catch (e: PassportException) {
        // The message names what failed (a field, a record, a period) and never a secret.
        System.err.println("${e.javaClass.simpleName}: ${e.message}")
        exitProcess(1)
    }
}

/** The rows as a plain-text table: code, indicator, unit, value, status. */
fun table(rows: List<PassportRow>): String {
    fun cut(text: String, width: Int) =
        if (text.length <= width) text else text.take(width - 1) + "…"
    val header = listOf("code", "indicator", "unit", "value", "status")
    val lines = rows.map { row ->
        val value = when (val entry = row.value?.entry) {
            null -> "—"
            // Exact decimals arrive as strings; java.math.BigDecimal(amount) reads them
            // exactly, should arithmetic be needed.
            is Entry.Amount -> entry.amount
            is Entry.NotApplicable -> "not applicable"
        }
        val indicator = row.indicator
        val name = cut(indicator.name, 60)
        listOf(indicator.code, name, cut(indicator.unitName, 24), value, row.statusLabel)
    }
    val widths = header.indices.map { i -> (lines.map { it[i] } + header[i]).maxOf { it.length } }
    fun format(cells: List<String>) = cells.mapIndexed { i, cell ->
        // Numbers read best right-aligned.
        if (i == 3) cell.padStart(widths[i]) else cell.padEnd(widths[i])
    }.joinToString("  ").trimEnd()
    val out = StringBuilder()
    out.appendLine(format(header))
    out.appendLine(widths.joinToString("  ") { "-".repeat(it) })
    lines.forEach { out.appendLine(format(it)) }
    return out.toString()
}

/**
 * Sets up a demo passport if the store has no account yet; returns whether it did.
 *
 * The core refuses a second bootstrap with PermissionDenied, which is how a store that
 * is already set up (by an earlier run, or by the quickstart) is recognised.
 */
fun buildDemoIfEmpty(passport: Passport): Boolean {
    val order = AppointmentOrder("1-к", LocalDate.of(2026, 1, 12))
    val setup = try {
        passport.bootstrapAdministrator("admin@beladm.example", "Администратор", order)
    } catch (e: PassportException.PermissionDenied) {
        return false
    }
    passport.setPassword(setup, DEMO_PASSWORD)

    passport.login("admin@beladm.example", DEMO_PASSWORD).use { admin ->
        val analytics = admin.createDepartment(
            "управление организационно-аналитической работы",
            DepartmentKind.DEPARTMENT,
        )
        for ((email, role) in listOf(
            "chief@beladm.example" to Role.CHIEF_OF_STAFF,
            "head@beladm.example" to Role.DEPARTMENT_HEAD,
            "executor@beladm.example" to Role.EXECUTOR,
            "controller@beladm.example" to Role.CONTROLLER,
            "viewer@beladm.example" to Role.VIEWER,
        )) {
            val inAnalytics = role != Role.CHIEF_OF_STAFF && role != Role.VIEWER
            val department = if (inAnalytics) analytics.id else null
            val account = NewAccount(email, "Демо $email", listOf(role), order, department)
            val created = admin.createAccount(account)
            passport.setPassword(created.setupToken, DEMO_PASSWORD)
        }

        val population = listOf(
            Triple(
                "MR-1.1",
                "Численность постоянного населения (на конец года)",
                ValueKind.Integer,
            ),
            Triple("MR-1.1.1", "Число родившихся", ValueKind.Integer),
            Triple("MR-1.1.2", "Общий коэффициент рождаемости", ValueKind.Decimal(2)),
        )
        passport.login("chief@beladm.example", DEMO_PASSWORD).use { chief ->
            for ((code, name, kind) in population) {
                val unit = if (kind == ValueKind.Integer) "человек" else "на 1000 человек населения"
                chief.defineIndicator(
                    Indicator(
                        code = code,
                        name = name,
                        section = "Население",
                        unitName = unit,
                        okeiCode = if (kind == ValueKind.Integer) "792" else null,
                        kind = kind,
                        periodicity = Periodicity.YEARLY,
                        due = DueRule.DayOfMonthAfter(1, 4),
                        departmentId = analytics.id,
                    ),
                )
            }
        }

        passport.login("executor@beladm.example", DEMO_PASSWORD).use { executor ->
            passport.login("head@beladm.example", DEMO_PASSWORD).use { head ->
                for ((code, _, _) in population) {
                    val appointment = AppointmentOrder("15-к", LocalDate.of(2026, 2, 1))
                    head.assignExecutor(executor.accountId(), code, appointment)
                }
            }
            passport.login("controller@beladm.example", DEMO_PASSWORD).use { controller ->
                // As clerks type them: spaces between thousands, a decimal comma.
                val typedValues =
                    listOf("MR-1.1" to "333 931", "MR-1.1.1" to "2 780", "MR-1.1.2" to "8,33")
                for ((code, typed) in typedValues) {
                    executor.saveDraft(code, "2025", typed)
                    executor.submit(code, "2025")
                    controller.accept(code, "2025")
                }
            }
        }
    }
    return true
}
