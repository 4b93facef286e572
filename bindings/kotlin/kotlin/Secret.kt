// Hand-written part of the city.passport package, compiled into the same jar as the
// sources uniffi generates (see uniffi.toml, where Secret is a custom type).
package city.passport

import java.security.MessageDigest

/**
 * A session token or a setup token: a secret handed to one person.
 *
 * [toString] hides it, so that a token cannot reach a log, an exception message or a
 * debugger's variable view by accident; [reveal] gives it where it must go (a cookie,
 * a letter to the person, a form).
 */
class Secret(private val value: String) {
    /** The secret itself. Never log it. */
    fun reveal(): String = value

    override fun toString(): String = "Secret(hidden)"

    // Compares in constant time, so that comparing tokens does not leak how much matched.
    override fun equals(other: Any?): Boolean =
        other is Secret && MessageDigest.isEqual(value.toByteArray(), other.value.toByteArray())

    override fun hashCode(): Int = value.hashCode()
}
