package org.barmanj.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values: Barman 3.4's {@code barman.utils.redact_passwords} run on the same input, except where noted. */
class SecretsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "host=pg1 user=barman password=s3cret dbname=postgres|host=pg1 user=barman password=*REDACTED* dbname=postgres",
            "host=pg1 password='a b\\' c' user=barman|host=pg1 password=*REDACTED* user=barman",
            "password= user=x|password=*REDACTED* user=x",
            "postgresql://barman:s3cret@pg1:5432/postgres|postgresql://barman:*REDACTED*@pg1:5432/postgres",
            "postgresql://barman@pg1/postgres|postgresql://barman@pg1/postgres",
            "postgresql://barman:@pg1/postgres|postgresql://barman:*REDACTED*@pg1/postgres",
            "host=pg1 user=barman dbname=postgres|host=pg1 user=barman dbname=postgres",
            "a password=x1 and password=y2|a password=*REDACTED* and password=*REDACTED*",
            // Not Barman's: it shows '"dq" rest' (its pattern stops at a double quote); libpq keeps it in the value.
            "password=\"\"dq\"\" rest|password=*REDACTED* rest",
            // Not Barman's: it knows postgresql:// only.
            "postgres://barman:s3cret@pg1/postgres|postgres://barman:*REDACTED*@pg1/postgres"})
    void hidesPasswords(String text, String shown) {
        assertEquals(shown, Secrets.redact(text));
    }
}
