// Hand-written part of the city.passport package: the Passport class callers use.
//
// uniffi generates the object as NativePassport, and a generated close() frees the Rust
// object: a later call then throws IllegalStateException, outside PassportException,
// and the Rust side cannot tell an explicit close from the garbage collector freeing the
// object. This subclass keeps every generated method (with its @Throws for Java callers)
// and changes only what closing means: close() closes the store in Rust and leaves the
// object to the garbage collector, so that later calls throw PassportException.Closed.
package city.passport

/**
 * A city passport store, opened on sled, PostgreSQL or in memory. Open one with
 * [openSled], [connectPostgres] or [inMemory]; log in with [login].
 *
 * `AutoCloseable`: [close] (or the end of a `use {}` block) closes the store once the
 * calls running at that moment have finished, and the sled folder is free again. From
 * then on this object's methods, and those of every session opened through it, throw
 * [PassportException.Closed]; closing again does nothing. Close sessions first: a
 * session still open when its passport closes can no longer log out and stays valid in
 * the store until it expires.
 *
 * Only [close] closes the store under open sessions. A passport that is never closed
 * and that the garbage collector frees leaves its sessions working: they keep the store
 * open, and it closes once the last of them is closed or freed.
 *
 * [destroy] closes like [close] and also frees the native object at once; after it,
 * calls throw `IllegalStateException`, as for any uniffi object.
 *
 * Safe to use from many threads at once.
 */
class Passport private constructor(handle: Long) : NativePassport(UniffiWithHandle, handle) {
    companion object {
        /**
         * Opens (or creates) the sled store in the folder [path]: the embedded store of a
         * small city, with no server. One process may have a folder open at a time.
         * [settings] null means the defaults (Moscow time, no regional holiday).
         */
        @JvmStatic
        @JvmOverloads
        @Throws(PassportException::class)
        fun openSled(path: String, settings: Settings? = null): Passport =
            adopt(NativePassport.openSled(path, settings))

        /**
         * Connects to the PostgreSQL store at [url] (`postgres://user:password@host/db`),
         * bringing its tables up to date. [schema] holds the tables (created if missing);
         * null means the role's `search_path`, usually `public`. Error messages never
         * repeat the password.
         */
        @JvmStatic
        @JvmOverloads
        @Throws(PassportException::class)
        fun connectPostgres(
            url: String,
            schema: String? = null,
            settings: Settings? = null,
        ): Passport = adopt(NativePassport.connectPostgres(url, schema, settings))

        /** A new empty store in memory, gone when closed: for tests and demonstrations. */
        @JvmStatic
        @JvmOverloads
        @Throws(PassportException::class)
        fun inMemory(settings: Settings? = null): Passport =
            adopt(NativePassport.inMemory(settings))

        // The generated constructors give a NativePassport; this takes over its Rust
        // object under a new handle and frees the old one.
        private fun adopt(native: NativePassport): Passport =
            try {
                Passport(native.uniffiCloneHandle())
            } finally {
                native.destroy()
            }
    }

    /** Logs in by e-mail (any case) and password. Closing the session logs out. */
    @Throws(PassportException::class)
    override fun login(email: String, password: String): Session =
        Session.adopt(super.login(email, password))

    /**
     * Takes up a session from its token (say, from a web portal's cookie). Fails with
     * [PassportException.Unauthenticated] if it has expired or ended. Closing the returned
     * object does not log out, since the token lives on elsewhere; call `logout()` to end
     * it.
     */
    @Throws(PassportException::class)
    override fun resumeSession(token: Secret): Session = Session.adopt(super.resumeSession(token))

    /** Closes the store; see the class documentation. Closing twice does nothing. */
    override fun close() {
        // After destroy() the native object is gone and must not be handed to Rust again.
        if (!uniffiIsDestroyed) closePassport(this)
    }

    /** Closes the store, then frees the native object at once. */
    override fun destroy() {
        close()
        super.destroy()
    }
}
