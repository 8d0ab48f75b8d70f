package io.fastworker.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CN a client certificate names, as the link reads it for mutual TLS. */
class CommonNameTest {

    @Test
    void readsTheCommonNameWhereverItStands() {
        assertEquals(Optional.of("w-tls"), LinkConnection.commonName("CN=w-tls"));
        assertEquals(Optional.of("w-tls"), LinkConnection.commonName("CN=w-tls,O=Acme,C=DE"));
        assertEquals(Optional.of("pool-a"), LinkConnection.commonName("O=Acme,CN=pool-a"));
        assertEquals(Optional.of("a,b"), LinkConnection.commonName("CN=a\\,b,O=Acme"));
        assertEquals(Optional.of("x"), LinkConnection.commonName("cn=x+O=multi"));
    }

    @Test
    void aLookalikeAttributeIsNotTheCommonName() {
        assertEquals(Optional.empty(), LinkConnection.commonName("O=CN\\=w-tls"));
        assertEquals(Optional.empty(), LinkConnection.commonName("OU=ACN=x"));
        assertEquals(Optional.empty(), LinkConnection.commonName(""));
    }
}
