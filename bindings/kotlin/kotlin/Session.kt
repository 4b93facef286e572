// Hand-written part of the city.passport package: the Session class callers use.
//
// As for Passport (see Passport.kt): uniffi generates the object as NativeSession, whose
// generated close() would free the Rust object, so that a later call throws
// IllegalStateException. This subclass keeps every generated method and makes close()
// close the session in Rust instead, so that later calls throw PassportException.Closed.
package city.passport

/**
 * A logged-in person, from [Passport.login] or [Passport.resumeSession]. Every call
 * checks the session and the person's permissions.
 *
 * `AutoCloseable`: closing a session that came from `login` logs out; from then on the
 * object's calls throw [PassportException.Closed] (only `accountId()` stays readable),
 * and closing again does nothing. The garbage collector logs out a session left open
 * when it frees the object. A session taken up with `resumeSession`, or whose token was
 * taken out with `detach()`, belongs to whoever holds the token: closing it only closes
 * the object, and `logout()` ends it. `toString()` never shows the token.
 *
 * A session keeps its store open: should its [Passport] be freed by the garbage
 * collector without being closed, the session goes on working.
 *
 * [destroy] closes like [close] and also frees the native object at once; after it,
 * calls throw `IllegalStateException`, as for any uniffi object.
 *
 * Safe to use from many threads at once.
 */
class Session private constructor(handle: Long) : NativeSession(UniffiWithHandle, handle) {
    internal companion object {
        // Passport's login and resumeSession give a NativeSession; this takes over its
        // Rust object under a new handle and frees the old one.
        fun adopt(native: NativeSession): Session =
            try {
                Session(native.uniffiCloneHandle())
            } finally {
                native.destroy()
            }
    }

    /** Closes the session; see the class documentation. Closing twice does nothing. */
    override fun close() {
        // After destroy() the native object is gone and must not be handed to Rust again.
        if (!uniffiIsDestroyed) closeSession(this)
    }

    /** Closes the session, then frees the native object at once. */
    override fun destroy() {
        close()
        super.destroy()
    }
}
