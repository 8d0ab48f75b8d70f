package io.fastworker.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a member's own certificate is checked against its Raft host: as the members dialling it will check it. */
class RaftTlsTest {

    @Test
    void aDnsNameMatchesItselfAndAWildcardOneLabel() {
        assertTrue(RaftTls.dnsMatches("cp-0.peers", "cp-0.peers"));
        assertTrue(RaftTls.dnsMatches("CP-0.Peers", "cp-0.peers"));
        assertTrue(RaftTls.dnsMatches("*.fastworker-control-plane",
                "fastworker-control-plane-0.fastworker-control-plane"));
        assertFalse(RaftTls.dnsMatches("*.fastworker-control-plane", "fastworker-control-plane"));
        assertFalse(RaftTls.dnsMatches("*.peers", "a.b.peers"), "a wildcard is one label");
        assertFalse(RaftTls.dnsMatches("*.peers", ".peers"));
        assertFalse(RaftTls.dnsMatches("cp-0.peers", "cp-1.peers"));
    }

    @Test
    void anIpAddressMatchesOnlyAnIpHost() {
        assertTrue(RaftTls.ipMatches("127.0.0.1", "127.0.0.1"));
        assertTrue(RaftTls.ipMatches("0:0:0:0:0:0:0:1", "::1"));
        assertFalse(RaftTls.ipMatches("127.0.0.1", "localhost"), "a DNS name is checked against DNS names only");
        assertFalse(RaftTls.ipMatches("10.0.0.1", "10.0.0.2"));
    }
}
