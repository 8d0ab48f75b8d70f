package io.fastworker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FastWorkerClient#close()} against a real (refused) TCP connection on a real Vert.x. */
class CloseTest {

    @Test
    void closeReturnsOnceTheClientsOwnEventLoopHasStopped() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        FastWorkerClient client = FastWorkerClient.builder().url("http://127.0.0.1:" + port).build();
        FastWorkerException e = assertThrows(FastWorkerException.class, () -> client.delay("noop"));
        assertEquals(0, e.status(), "unreachable");
        assertFalse(vertxThreads().isEmpty(), "the call ran on the client's own event loop");
        client.close();
        // a CLI command exits right after close(): a thread still in native code would hold the JVM's exit up
        assertEquals(List.of(), vertxThreads());
    }

    private static List<String> vertxThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("vert.x-eventloop") || n.startsWith("vert.x-internal-blocking"))
                .toList();
    }
}
