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
)
