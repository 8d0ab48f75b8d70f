package io.fastworker.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;

/**
 * Open-loop submissions at a fixed rate, wrk2-style: task {@code i} is due at {@code t0 + i / rate}, and each of
 * {@code connections} threads sends the tasks {@code i ≡ k (mod connections)} over its own keep-alive socket, as plain
 * HTTP/1.1 (no client library, so that the sender costs little CPU beside the queue it measures). A thread that is
 * still waiting for an answer when its next task falls due sends late; that lateness is the queue's and counts in
 * its latencies (measured from the due time). What the sender itself adds is its lag: how late a thread that was
 * free woke up for a due task (a busy CPU, its own pauses). When that lag is large, the figures measure the sender.
 */
final class PacedSender {

    /** What a run sent: the task ids by index (null: refused or failed), the sender's lag and the failures. */
    record Sent(String[] ids, Histogram lagMicros, int failed, String firstError, double seconds) {
    }

    private final String host;
    private final int port;
    private final byte[] request;

    PacedSender(String url, String body) {
        URI uri = URI.create(url);
        this.host = uri.getHost();
        this.port = uri.getPort();
        byte[] json = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /tasks HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + json.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        this.request = new byte[h.length + json.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(json, 0, request, h.length, json.length);
    }

    /** Sends {@code total} tasks at {@code rate} per second from {@code t0}; {@code accepted} sees each id. */
    Sent run(int rate, int total, int connections, long t0, BiConsumer<Integer, String> accepted)
            throws InterruptedException {
        String[] ids = new String[total];
        long interval = 1_000_000_000L / rate;
        AtomicInteger failed = new AtomicInteger();
        String[] firstError = new String[1];
        List<Histogram> lags = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < Math.min(connections, total); k++) {
            int first = k;
            Histogram lag = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
            lags.add(lag);
            Thread sender = new Thread(() -> {
                Connection c = null;
                for (int i = first; i < total; i += connections) {
                    long due = t0 + i * interval;
                    long early = due - System.nanoTime();
                    if (early > 0) {
                        sleepNanos(early);
                        lag.recordValue(Math.max(0, System.nanoTime() - due) / 1000);
                    }
                    try {
                        if (c == null) {
                            c = new Connection(new Socket(host, port));
                        }
                        String id = c.post(request);
                        ids[i] = id;
                        accepted.accept(i, id);
                    } catch (IOException | RuntimeException e) {
                        failed.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0] == null) {
                                firstError[0] = e.toString();
                            }
                        }
                        if (c != null) {
                            c.close();
                            c = null;
                        }
                    }
                }
                if (c != null) {
                    c.close();
                }
            }, "sender-" + k);
            sender.start();
            threads.add(sender);
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Histogram lag = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        lags.forEach(lag::add);
        return new Sent(ids, lag, failed.get(), firstError[0], seconds);
    }

    /** One keep-alive HTTP/1.1 connection: a request out, its answer read to the end, the task id taken from it. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(Socket socket) throws IOException {
            socket.setTcpNoDelay(true);
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        }

        String post(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            int length = -1;
            boolean chunked = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            String body = chunked ? chunks() : new String(in.readNBytes(Math.max(0, length)), StandardCharsets.UTF_8);
            if (!status.contains(" 202 ")) {
                throw new IllegalStateException(status + ": " + body);
            }
            int at = body.indexOf("\"id\":\"");
            if (at < 0) {
                throw new IllegalStateException("no id in " + body);
            }
            return body.substring(at + 6, body.indexOf('"', at + 6));
        }

        private String chunks() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0; size = Integer
                    .parseInt(line().split(";")[0].trim(), 16)) {
                b.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                line();
            }
            line();
            return b.toString();
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int ch = in.read(); ch != '\n'; ch = in.read()) {
                if (ch < 0) {
                    throw new IOException("the control plane closed the connection");
                }
                if (ch != '\r') {
                    b.append((char) ch);
                }
            }
            return b.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Parks until {@code nanos} have passed: Thread.sleep before Java 21 rounds a wait up to whole milliseconds. */
    private static void sleepNanos(long nanos) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }
}
