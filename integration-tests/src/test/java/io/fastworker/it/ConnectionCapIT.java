package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code quarkus.http.limits.max-connections} (10,000 by default) holds: at the cap plus 1,000, idle and slowloris
 * clients past it are closed at once (before, 16,000 slow connections were all held and at the descriptor limit every
 * request, liveness included, timed out), and probes on their own port ({@code fastworker.health.port}) keep
 * answering meanwhile. Once the clients go, the API serves again.
 */
class ConnectionCapIT {

    static final int CAP = 10_000;

    @Test
    void connectionsPastTheCapAreClosedAndProbesKeepTheirRoom() throws Exception {
        int probePort = Daemon.freePort();
        List<Socket> clients = new ArrayList<>();
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_HEALTH_PORT", String.valueOf(probePort),
                "FASTWORKER_STORE_MODE", "memory"))) {
            assertTrue(cp.log().contains("Probes answer on port " + probePort), cp.log());
            for (int i = 0; i < CAP + 1000; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", cp.port), 5000);
                s.setSoTimeout(1);
                if (i % 2 == 0) { // half of them slowloris: headers that never end
                    s.getOutputStream().write("GET /tasks HTTP/1.1\r\nHost: cp\r\nX-Slow: a".getBytes());
                } else {
                    s.getOutputStream().write("G".getBytes()); // the rest say one byte, then nothing
                }
                clients.add(s);
            }
            Thread.sleep(2000);
            int closed = 0;
            for (Socket s : clients) {
                if (closedByPeer(s)) {
                    closed++;
                }
            }
            System.out.printf("Connection cap: of %d connections, %d were closed by the control plane%n",
                    clients.size(), closed);
            assertTrue(closed >= 1000 && closed <= 1000 + 50, "about the 1,000 past the cap are closed: " + closed);
            for (String probe : List.of("/q/health/live", "/q/health/ready", "/q/health/started")) {
                HttpResponse<String> r = Daemon.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + probePort + probe)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), probe + ": " + r.body());
            }
            assertTrue(cp.alive());
            for (Socket s : clients) {
                s.close();
            }
            clients.clear();
            Daemon.await(() -> {
                try {
                    return cp.get("/q/health/ready").statusCode();
                } catch (IOException e) {
                    return -1;
                }
            }, status -> status == 200, Duration.ofSeconds(30), "the API port serves again");
            assertEquals(202, cp.post("/tasks", "{\"task\": \"noop\"}").statusCode());
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    /** Whether the server closed the connection (end of stream or a reset); waits at most 1 ms. */
    static boolean closedByPeer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
