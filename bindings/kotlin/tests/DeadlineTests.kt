// Settings, deadlines, delay notices, events, the quarterly report and bulk entry as
// Kotlin sees them: LocalDate both ways, sealed Timeliness, cursors, defaults.
package city.passport.tests

import city.passport.DayKind
import city.passport.ImportMode
import city.passport.ImportRow
import city.passport.NoticeStatus
import city.passport.Passport
import city.passport.PassportException
import city.passport.RegionalHoliday
import city.passport.ReportFormat
import city.passport.Settings
import city.passport.Timeliness
import city.passport.ValueInput
import city.passport.ValueRef
import city.passport.ValueStatus
import city.passport.belgorodSettings
import java.io.File
import java.time.Duration
import java.time.Instant
import java.time.LocalDate
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The first monthly period whose due date (the 10th of the next month) is still ahead. */
fun firstOpenMonth(today: LocalDate): String {
    val month = if (today.dayOfMonth <= 10) today.minusMonths(1) else today
    return "%d-M%02d".format(month.year, month.monthValue)
}

val deadlineTests = listOf(
    Test("settings_cross_into_the_service") {
        val belgorod = belgorodSettings()
        assertEquals("Europe/Moscow", belgorod.timeZone)
        assertEquals(Duration.ofHours(12), belgorod.sessionLifetime)
        assertEquals(listOf(7 to 12), belgorod.regionalHolidays.map { it.month to it.day })
        assertEquals(2020, belgorod.regionalHolidays.single().firstYear)

        // 12 July 2025 was a Saturday: the Belgorod region rested on Monday 14 July.
        val monday = LocalDate.of(2025, 7, 14)
        Passport.inMemory(belgorod).use { passport ->
            City(passport).use { city -> assertFalse(city.viewer.isWorkingDay(monday)) }
        }
        Passport.inMemory().use { passport ->
            City(passport).use { city -> assertTrue(city.viewer.isWorkingDay(monday)) }
        }

        val error = assertFailsWith<PassportException.InvalidInput> {
            Passport.inMemory(Settings(timeZone = "Mars/Olympus"))
        }
        assertEquals("time zone", error.field)
    },

    Test("due_dates_delay_notices_and_events_cross_the_ffi") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val today = passport.today()
                val period = firstOpenMonth(today)
                val due = city.viewer.dueDate("EDU-1", period)
                assertTrue(!due.due.date.isBefore(today), "$due")
                assertNull(due.extendedUntil)

                // A set due date on a Saturday moves to the Monday after.
                val saturday = today.plusWeeks(2).with(java.time.DayOfWeek.SATURDAY)
                val set = city.chief.setDueDate("EDU-2", period, saturday, "по письму департамента")
                assertEquals(saturday, set.nominal)
                assertTrue(set.moved)
                assertTrue(set.date.isAfter(saturday))

                // A delay notice, granted without a date: the expected date is taken.
                val expected = due.due.date.plusDays(20)
                val notice = city.executor.fileDelayNotice(
                    listOf(ValueRef("EDU-1", period)),
                    "нет данных статистики",
                    expected,
                )
                assertEquals(NoticeStatus.PENDING, notice.status)
                assertEquals(listOf(ValueRef("EDU-1", period)), notice.values)
                assertEquals(
                    listOf(notice.id),
                    city.controller.delayNotices(NoticeStatus.PENDING).map { it.id },
                )
                val granted = city.controller.grantDelayNotice(notice.id)
                assertEquals(NoticeStatus.GRANTED, granted.status)
                assertNotNull(granted.grantedUntil)
                val extended = city.viewer.dueDate("EDU-1", period).extendedUntil
                assertEquals(granted.grantedUntil, extended)

                val other = city.executor.fileDelayNotice(
                    listOf(ValueRef("EDU-2", period)),
                    "нет данных",
                    expected,
                )
                val declined = city.controller.declineDelayNotice(other.id, "срок не продлевается")
                assertEquals("срок не продлевается", declined.decisionReason)

                // Timeliness and reminders.
                val expectations = city.viewer.timeliness(today, today.plusDays(90))
                val edu1 = expectations.single { it.value == ValueRef("EDU-1", period) }
                assertEquals(Timeliness.NotYetDue, edu1.timeliness)
                assertEquals(listOf(city.executor.accountId()), edu1.executorIds)
                assertEquals(listOf(notice.id), edu1.noticeIds)
                val reminders = city.executor.reminders(90)
                assertTrue(
                    reminders.any { it.expected.value.indicator == "EDU-1" && it.daysLeft >= 0 },
                )

                // The event feed, read from a cursor.
                val events = city.viewer.events()
                val kinds = events.map { it.kind }
                assertTrue(kinds.containsAll(listOf("notice.filed", "extension.granted")), "$kinds")
                assertTrue(events.zipWithNext().all { (a, b) -> a.seq < b.seq })
                assertTrue(city.viewer.events(after = events.last().seq).isEmpty())
                assertTrue(city.controller.sweepDeadlines() >= 0)
            }
        }
    },

    Test("working_calendar_and_its_loading_cross_the_ffi") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val calendar = city.viewer.workingCalendar()
                assertTrue(2026 in calendar.yearsWithData)
                assertTrue(calendar.exceptions.any { it.kind == DayKind.DAY_OFF })

                val file = File("data/ru-calendar-2027.csv")
                check(file.exists()) { "run from the repository root to find data/" }
                val loaded = city.admin.loadCalendarCsv(file.path)
                assertEquals(listOf(2027), loaded.years)
                assertTrue(2027 in city.viewer.workingCalendar().yearsWithData)
            }
        }
    },

    Test("xml_calendar_and_regional_holidays_cross_the_ffi") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                // 2028 as a calendar service would publish it, cut down to one moved day:
                // Saturday 6 May is worked, Monday 8 May is rested instead.
                val xml = """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <calendar year="2028" lang="ru">
                      <days>
                        <day d="05.06" t="3" f="05.08"/>
                        <day d="05.08" t="1" f="05.06"/>
                      </days>
                    </calendar>
                """.trimIndent()
                val loaded = city.admin.loadCalendarXml(xml)
                assertEquals(listOf(2028), loaded.years)
                assertTrue(loaded.days >= 2, "$loaded")
                assertTrue(2028 in city.viewer.workingCalendar().yearsWithData)
                assertTrue(city.viewer.isWorkingDay(LocalDate.of(2028, 5, 6)))
                assertFalse(city.viewer.isWorkingDay(LocalDate.of(2028, 5, 8)))

                val broken = assertFailsWith<PassportException.InvalidInput> {
                    city.admin.loadCalendarXml("<days></days>")
                }
                assertEquals("calendar xml", broken.field)
                assertFailsWith<PassportException.PermissionDenied> {
                    city.viewer.loadCalendarXml(xml)
                }

                // A city day from 2027 on: Tuesday 13 July 2027 is rested, Monday 13 July
                // 2026 still worked.
                val cityDay = RegionalHoliday(7, 13, "День города", 2027)
                city.admin.addRegionalHoliday(cityDay)
                assertTrue(cityDay in city.viewer.workingCalendar().regionalHolidays)
                assertFalse(city.viewer.isWorkingDay(LocalDate.of(2027, 7, 13)))
                assertTrue(city.viewer.isWorkingDay(LocalDate.of(2026, 7, 13)))
                assertFailsWith<PassportException.PermissionDenied> {
                    city.viewer.addRegionalHoliday(RegionalHoliday(9, 1, "День знаний", null))
                }
            }
        }
    },

    Test("quarterly_report_crosses_as_records_and_as_text") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val today = passport.today()
                val quarter = "%d-Q%d".format(today.year, (today.monthValue - 1) / 3 + 1)
                val report = city.viewer.quarterlyReport(quarter)
                assertEquals(quarter, report.quarter)
                assertEquals(report.totals.due, report.departments.sumOf { it.counts.due })
                val text = city.viewer.renderQuarterlyReport(quarter, ReportFormat.TEXT)
                assertContains(text, quarter)
                val csv = city.viewer.renderQuarterlyReport(quarter, ReportFormat.CSV)
                assertTrue(csv.lines().size >= 2, csv)

                val error = assertFailsWith<PassportException.InvalidInput> {
                    city.viewer.quarterlyReport("2026-Q5")
                }
                assertEquals("period", error.field)
            }
        }
    },

    Test("bulk_entry_reports_refused_rows_and_export_pages") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val rows = listOf(
                    ImportRow("EDU-1", "2026-M08", ValueInput.Typed("1 234")),
                    ImportRow("EDU-1", "2026-13", ValueInput.Typed("1")),
                    ImportRow("EDU-2", "2026-M08", ValueInput.NotApplicable("учреждение закрыто")),
                )
                val dryRun = city.executor.importValues(rows, ImportMode.DRY_RUN)
                assertEquals(2, dryRun.accepted)
                assertFalse(dryRun.stored)
                assertEquals(listOf(1 to "period"), dryRun.refused.map { it.row to it.field })

                val stored = city.executor.importValues(rows, ImportMode.SUBMIT)
                assertTrue(stored.stored)
                val submitted = city.controller.valuesWithStatus(ValueStatus.SUBMITTED)
                assertEquals(setOf("EDU-1", "EDU-2"), submitted.map { it.indicator }.toSet())

                val first = city.viewer.exportValues(limit = 1).single()
                val next = city.viewer.exportValues(1, ValueRef(first.indicator, first.period))
                val pages = listOf(first.indicator, next.single().indicator)
                assertEquals(listOf("EDU-1", "EDU-2"), pages)
            }
        }
    },

    Test("reminders_at_a_moment_say_whom_to_remind_and_group_as_the_core_does") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val period = firstOpenMonth(passport.today())
                val edu1 = ValueRef("EDU-1", period)
                val edu2 = ValueRef("EDU-2", period)
                val executorId = city.executor.accountId()
                // Before the city was set up: nobody was assigned yet, nothing submitted.
                val yesterday = Instant.now().minus(Duration.ofDays(1))
                city.executor.saveDraft("EDU-2", period, "3,5")
                city.executor.submit("EDU-2", period)

                val now = city.viewer.remindersAt(Instant.now(), 90)
                val nowEdu1 = now.single { it.expected.value == edu1 }
                assertEquals(listOf(executorId), nowEdu1.toRemind)
                assertTrue(now.none { it.expected.value == edu2 }, "$now")

                val then = city.viewer.remindersAt(yesterday, 90)
                val thenEdu1 = then.single { it.expected.value == edu1 }
                assertEquals(emptyList(), thenEdu1.toRemind)
                // Who answers for a deadline still ahead is not whom to remind today.
                assertEquals(listOf(executorId), thenEdu1.expected.executorIds)
                assertEquals(nowEdu1.daysLeft + 1, thenEdu1.daysLeft)
                assertTrue(then.any { it.expected.value == edu2 }, "$then")

                val byExecutor = city.viewer.remindersByExecutor(90)
                assertEquals(listOf<String?>(executorId), byExecutor.map { it.executorId })
                assertEquals(city.viewer.reminders(90), byExecutor.single().reminders)
                val unassigned = city.viewer.remindersByExecutor(90, yesterday)
                assertEquals(listOf<String?>(null), unassigned.map { it.executorId })
                assertEquals(then, unassigned.single().reminders)
                val byDepartment = city.viewer.remindersByDepartment(90, yesterday)
                assertEquals(listOf<String?>(city.education), byDepartment.map { it.departmentId })

                // An administrator reads no values; the core refuses, in its own class.
                assertFailsWith<PassportException.PermissionDenied> {
                    city.admin.remindersAt(Instant.now(), 7)
                }
                val negative = assertFailsWith<PassportException.InvalidInput> {
                    city.viewer.remindersByDepartment(-1)
                }
                assertEquals("days", negative.field)
            }
        }
    },

    Test("timeliness_of_judges_the_values_given_in_their_order") {
        Passport.inMemory().use { passport ->
            City(passport).use { city ->
                val today = passport.today()
                val period = firstOpenMonth(today)
                // A date set far from the rule's still finds its value.
                val far = today.plusDays(200)
                val set = city.chief.setDueDate("EDU-2", period, far, "по письму департамента")

                val judged = city.viewer.timelinessOf(
                    listOf(
                        ValueRef("EDU-2", period),
                        ValueRef("EDU-1", period),
                        // Before the indicator's first period: not expected, left out.
                        ValueRef("EDU-1", "2020-M01"),
                    ),
                )
                assertEquals(
                    listOf(ValueRef("EDU-2", period), ValueRef("EDU-1", period)),
                    judged.map { it.value },
                )
                assertEquals(set, judged[0].due)
                assertEquals(city.viewer.dueDate("EDU-1", period).due, judged[1].due)
                assertTrue(judged.all { it.timeliness == Timeliness.NotYetDue }, "$judged")
                assertTrue(city.viewer.timelinessOf(emptyList()).isEmpty())

                val bad = assertFailsWith<PassportException.InvalidInput> {
                    city.viewer.timelinessOf(listOf(ValueRef("EDU-1", "2026-13")))
                }
                assertEquals("period", bad.field)
                assertFailsWith<PassportException.PermissionDenied> {
                    city.admin.timelinessOf(listOf(ValueRef("EDU-1", period)))
                }
            }
        }
    },

    Test("quarterly_report_carries_its_time_zone_and_the_years_without_calendar_data") {
        Passport.inMemory(Settings(timeZone = "Asia/Yekaterinburg")).use { passport ->
            assertEquals("Asia/Yekaterinburg", passport.timeZone())
            City(passport).use { city ->
                // No production calendar is loaded for 2035: every due date of the
                // quarter, the report's own included, follows the rules alone.
                val report = city.viewer.quarterlyReport("2035-Q1")
                assertEquals("Asia/Yekaterinburg", report.timeZone)
                assertEquals(listOf(2035), report.rulesOnlyYears)
                val text = city.viewer.renderQuarterlyReport("2035-Q1", ReportFormat.TEXT)
                assertContains(text, "no calendar data for 2035")

                // Two monthly indicators, three due dates each, none passed yet.
                val totals = report.totals
                assertEquals(6, totals.due)
                assertEquals(6, totals.notYetDue)
                val judged = with(totals) {
                    onTime + late + missing + excused + notApplicable + notYetDue
                }
                assertEquals(totals.due, judged)
                // 2026 has its production calendar: the dates are final.
                assertTrue(city.viewer.quarterlyReport("2026-Q2").rulesOnlyYears.isEmpty())
            }

            // The settings are those it was opened with, and stay readable once closed.
            passport.close()
            val settings = passport.settings()
            assertEquals("Asia/Yekaterinburg", settings.timeZone)
            assertEquals(Duration.ofHours(12), settings.sessionLifetime)
            assertEquals(5, settings.maxFailedLogins)
            assertFailsWith<PassportException.Closed> { passport.today() }
        }
        Passport.inMemory().use { assertEquals("Europe/Moscow", it.timeZone()) }
    },
)
