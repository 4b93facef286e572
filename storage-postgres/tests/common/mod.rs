//! Looking under the store's hood in tests.

use citypassport_postgres::testing::TestSchema;
use sqlx::Connection;

/// A plain connection whose search path is the test's schema.
pub async fn connection(schema: &TestSchema) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(schema.url()).await.expect("a test connection");
    sqlx::query("SELECT set_config('search_path', quote_ident($1), false)")
        .bind(schema.name())
        .execute(&mut conn)
        .await
        .expect("setting the search path");
    conn
}
