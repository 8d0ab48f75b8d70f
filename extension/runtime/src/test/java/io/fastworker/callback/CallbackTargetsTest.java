package io.fastworker.callback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which addresses a callback may reach without its host being named in allowed-hosts. */
class CallbackTargetsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"127.0.0.1 | a loopback address", "127.1.2.3 | a loopback address",
        "::1 | a loopback address", "::ffff:127.0.0.1 | a loopback address", "0.0.0.0 | an unspecified address",
        ":: | an unspecified address", "10.1.2.3 | a private address", "172.16.0.9 | a private address",
        "192.168.1.1 | a private address", "169.254.169.254 | a link-local address", "fe80::1 | a link-local address",
        "fc00::1 | a unique-local address", "fd12:3456::1 | a unique-local address", "100.64.0.1 | a reserved address",
        "0.1.2.3 | a reserved address", "255.255.255.255 | a reserved address", "224.0.0.1 | a multicast address"})
    void internalAddressesAreRefused(String address, String why) throws Exception {
        assertEquals(why, CallbackTargets.internal(InetAddress.getByName(address)), address);
    }

    @Test
    void publicAddressesAreNot() throws Exception {
        for (String a : List.of("8.8.8.8", "93.184.216.34", "100.128.0.1", "2606:4700::1111")) {
            assertNull(CallbackTargets.internal(InetAddress.getByName(a)), a);
        }
    }

    @Test
    void hostsWrittenAsAddressesAreCheckedAtOnceNamesLater() {
        assertEquals("a loopback address", CallbackTargets.literalRefusal("2130706433"));
        // (Hex forms such as 0x7f.1 are no address to Java: they never resolve, here or when sent.)
        assertEquals("a loopback address", CallbackTargets.literalRefusal("[::ffff:127.0.0.1]"));
        assertEquals("an unspecified address", CallbackTargets.literalRefusal("0.0.0.0"));
        assertNull(CallbackTargets.literalRefusal("localhost"), "a name is resolved when the callback is sent");
        assertNull(CallbackTargets.literalRefusal("8.8.8.8"));
    }

    @Test
    void namedHostsMatchExactlyOrAsSubdomains() {
        List<String> allowed = List.of("hooks.example.com", "*.internal.example");
        assertEquals(true, CallbackTargets.named("HOOKS.example.com", allowed));
        assertEquals(true, CallbackTargets.named("a.internal.example", allowed));
        assertEquals(false, CallbackTargets.named("internal.example", allowed));
        assertEquals(false, CallbackTargets.named("evil-hooks.example.com", allowed));
    }
}
