// A tiny test runner and the city the tests work in.
//
// Only what crosses the FFI is tested here: how calls, values, errors and object
// lifetimes look from Kotlin. The rules themselves are the Rust tests' business.
package city.passport.tests

import city.passport.AppointmentOrder
import city.passport.DepartmentKind
import city.passport.DueRule
import city.passport.Indicator
import city.passport.NewAccount
import city.passport.Passport
import city.passport.Periodicity
import city.passport.Plausibility
import city.passport.Role
import city.passport.Session
import city.passport.ValueKind
import java.io.File
import java.nio.file.Files
import java.time.LocalDate
import kotlin.system.exitProcess

/** One test: a name that states the rule, and its body. */
class Test(val name: String, val body: () -> Unit)

/**
 * Runs the tests in order and prints each outcome; the last line is `N passed, N failed`.
 * Exits non-zero if any failed.
 */
fun runAll(tests: List<Test>) {
    var passed = 0
    var failed = 0
    for (test in tests) {
        val started = System.nanoTime()
        try {
            test.body()
            passed++
            println("ok    ${test.name} (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failed++
            println("FAIL  ${test.name}: $e")
            e.printStackTrace(System.out)
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}

/** A fresh folder for a sled store, removed when the JVM exits. */
fun tempStoreDir(prefix: String): String {
    val dir = Files.createTempDirectory(prefix).toFile()
    Runtime.getRuntime().addShutdownHook(Thread { dir.deleteRecursively() })
    return File(dir, "store").path
}

const val PASSWORD = "correct horse battery staple"

fun order(number: String, date: String) = AppointmentOrder(number, LocalDate.parse(date))

/** An indicator of the education department, reported monthly. */
fun indicator(
    code: String,
    kind: ValueKind,
    departmentId: String,
    plausibility: Plausibility = Plausibility(),
) =
    Indicator(
        code = code,
        name = "Показатель $code",
        section = "Образование",
        unitName = "человек",
        okeiCode = "792",
        kind = kind,
        periodicity = Periodicity.MONTHLY,
        due = DueRule.DayOfMonthAfter(10, 1),
        departmentId = departmentId,
        plausibility = plausibility,
    )

/**
 * A small city on [passport]: an administrator, a chief of staff, a department head, an
 * executor assigned to EDU-1 and EDU-2 (monthly, integer and one decimal place), a
 * controller and a viewer, each logged in. Closing the city logs them all out.
 */
class City(val passport: Passport) : AutoCloseable {
    val admin: Session
    val chief: Session
    val head: Session
    val executor: Session
    val controller: Session
    val viewer: Session
    val education: String

    init {
        val setup = passport.bootstrapAdministrator(
            "admin@city.example",
            "Администратор",
            order("1-к", "2026-01-12"),
        )
        passport.setPassword(setup, PASSWORD)
        admin = passport.login("admin@city.example", PASSWORD)
        education = admin.createDepartment("управление образования", DepartmentKind.DEPARTMENT).id

        chief = person("chief@city.example", Role.CHIEF_OF_STAFF, null)
        head = person("head@city.example", Role.DEPARTMENT_HEAD, education)
        executor = person("executor@city.example", Role.EXECUTOR, education)
        controller = person("controller@city.example", Role.CONTROLLER, null)
        viewer = person("viewer@city.example", Role.VIEWER, null)

        val bounded = Plausibility(min = "0", max = "100000")
        chief.defineIndicator(indicator("EDU-1", ValueKind.Integer, education, bounded))
        chief.defineIndicator(indicator("EDU-2", ValueKind.Decimal(1), education))
        for (code in listOf("EDU-1", "EDU-2")) {
            head.assignExecutor(executor.accountId(), code, order("15-к", "2026-02-01"))
        }
    }

    private fun person(email: String, role: Role, department: String?): Session {
        val created = admin.createAccount(
            NewAccount(
                email,
                "Сотрудник $email",
                listOf(role),
                order("2-к", "2026-01-20"),
                department,
            ),
        )
        passport.setPassword(created.setupToken, PASSWORD)
        return passport.login(email, PASSWORD)
    }

    override fun close() {
        for (session in listOf(viewer, controller, executor, head, chief, admin)) session.close()
    }
}
